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
    form.addEventListener("change", function (event) {
      fillLocationFromUnit(form, event.target);
      updateReportForm(form);
    });
  });
});

// Choosing one of the hospital's units fills in its kind of location ("Where").
function fillLocationFromUnit(form, target) {
  if (!target.matches("select[name=unit]")) {
    return;
  }
  var option = target.options[target.selectedIndex];
  var where = form.querySelector("select[name=location_type]");
  if (option && option.dataset.locationType && where) {
    where.value = option.dataset.locationType;
  }
}

// A form that comes back with errors starts with a summary of them: move focus there, so a
// screen reader announces it and a phone shows it, and let each link put the cursor in its
// field (a plain link to an input scrolls to it but does not focus it).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
document.addEventListener("click", function (event) {
  var link = event.target.closest("[data-error-summary] a[href^='#']");
  if (!link) {
    return;
  }
  var input = document.getElementById(link.getAttribute("href").slice(1));
  if (!input) {
    return;
  }
  event.preventDefault();
  var label = input.closest("fieldset, .mb-3") || input;
  label.scrollIntoView();
  input.focus({ preventScroll: true });
});

// A page that follows work in the background (an import) reloads itself while it runs.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.querySelector("[data-reload-after]");
  if (el) {
    window.setTimeout(function () { window.location.reload(); }, Number(el.dataset.reloadAfter));
  }
});
