// Small page behaviours, kept out of the templates: the Content-Security-Policy allows scripts
// from our own files only, so inline handlers (onchange="...") would be blocked.
document.addEventListener("change", (event) => {
  // <select data-autosubmit> submits its form when a choice is made (the year switch).
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});
