/* Page behaviour shared by every page (a static file: the pages carry no inline script).
   - A refused form's error summary takes the focus, and its links move the focus to their field. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (event) {
        var link = event.target.closest("a[data-focus]");
        if (!link) { return; }
        var field = document.getElementById(link.getAttribute("data-focus"));
        if (!field) { return; }
        event.preventDefault();
        field.scrollIntoView({block: "center"});
        field.focus();
        if (history.replaceState) { history.replaceState(null, "", "#" + field.id); }
      });
    }
  });
})();
/* Print buttons (data-print): the browser's print dialog; the print styles hide navigation and forms. */
document.addEventListener("click", function (event) {
  "use strict";
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
/* A table that may scroll sideways on a small screen is a named region the keyboard can reach
   (tabindex=0), so its hidden columns can be scrolled into view with the arrow keys. */
(function () {
  "use strict";
  function label(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent.trim(); }
    }
    var section = box.closest("section");
    var heading = section && section.querySelector("h1, h2, h3, h4");
    return heading ? heading.textContent.trim() : document.title;
  }
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.hasAttribute("tabindex")) { return; }
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", label(box));
    });
  }
  if (document.readyState !== "loading") { mark(); } else { document.addEventListener("DOMContentLoaded", mark); }
})();
/* A page reached at another address than its own (a tracking code typed into the staff search answers
   with the ticket's page) shows its own address, so a reload or a bookmark opens the ticket itself. */
(function () {
  "use strict";
  var canonical = document.querySelector("link[rel=canonical]");
  if (!canonical || !history.replaceState) { return; }
  var own = new URL(canonical.href, location.href);
  if (own.origin === location.origin && own.pathname + own.search !== location.pathname + location.search) {
    history.replaceState(null, "", own.pathname + own.search + location.hash);
  }
})();
