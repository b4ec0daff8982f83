// Submit a select's form when it changes (the hospital switcher). No inline scripts: CSP.
document.addEventListener("change", function (event) {
  if (event.target.matches("select.js-autosubmit")) {
    event.target.form.submit();
  }
});
