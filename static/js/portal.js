// Submit a select's form when it changes (the hospital switcher). No inline scripts: CSP.
document.addEventListener("change", function (event) {
  if (event.target.matches("select.js-autosubmit")) {
    event.target.form.submit();
  }
});

// The report form shows the harm questions for incidents only, the recovery question for near
// misses, and the NCC MERP category for medication events. Without JavaScript all are shown.
function updateReportForm(form) {
  var type = form.querySelector("input[name=event_type]:checked");
  var category = form.querySelector("select[name=category]");
  form.querySelectorAll("[data-show-for]").forEach(function (el) {
    el.hidden = !(type && type.value === el.dataset.showFor);
  });
  form.querySelectorAll("[data-show-for-category]").forEach(function (el) {
    el.hidden = !(category && category.value === el.dataset.showForCategory);
  });
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.report-form").forEach(function (form) {
    updateReportForm(form);
    form.addEventListener("change", function () { updateReportForm(form); });
  });
});
