// Submit a select's form when it changes (the hospital switcher). No inline scripts: CSP.
document.addEventListener("change", function (event) {
  if (event.target.matches("select.js-autosubmit")) {
    event.target.form.submit();
  }
});

// The report form shows the harm questions for incidents only, the recovery question for near
// misses, and the NCC MERP category for medication events. Without JavaScript all are shown.
// A hidden question's fields are disabled too, so an answer given before the type or category
// changed is not sent (the server would reject it, next to a field the reporter cannot see).
function showSection(el, shown) {
  el.hidden = !shown;
  el.querySelectorAll("input, select, textarea").forEach(function (input) {
    input.disabled = !shown;
  });
}
function updateReportForm(form) {
  var type = form.querySelector("input[name=event_type]:checked");
  var category = form.querySelector("select[name=category]");
  form.querySelectorAll("[data-show-for]").forEach(function (el) {
    showSection(el, !!(type && type.value === el.dataset.showFor));
  });
  form.querySelectorAll("[data-show-for-category]").forEach(function (el) {
    showSection(el, !!(category && category.value === el.dataset.showForCategory));
  });
}
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.report-form").forEach(function (form) {
    updateReportForm(form);
    form.addEventListener("change", function () { updateReportForm(form); });
  });
});
