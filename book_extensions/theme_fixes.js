// Sidebar buttons that work on a phone. pydata-sphinx-theme (0.17) opens its sidebar dialogs
// from the first .primary-toggle / .secondary-toggle in the page, a button of its own header
// that this theme hides; sphinx-book-theme's visible buttons then do nothing when tapped
// (pydata-sphinx-theme#2451, sphinx-book-theme#988). A click on a visible button is handed
// to the bound one, so both themes' handlers run as they were written.
(function () {
  function forwardToggles() {
    [".primary-toggle", ".secondary-toggle"].forEach(function (selector) {
      var buttons = Array.prototype.slice.call(document.querySelectorAll(selector));
      var bound = buttons.shift();
      buttons.forEach(function (button) {
        button.addEventListener("click", function (event) {
          event.preventDefault();
          event.stopImmediatePropagation();
          bound.click();
        });
      });
    });
  }
  // A link followed from a sidebar dialog closes it, so a contents entry lands the reader on
  // its section instead of leaving the dialog over it.
  function closeDialogsOnLinks() {
    document.querySelectorAll("dialog.bd-sidebar, dialog[id$='-sidebar-modal']").forEach(
      function (dialog) {
        dialog.addEventListener("click", function (event) {
          var link = event.target.closest("a[href]");
          if (!link) {
            return;
          }
          dialog.close();
          // The page could not scroll while the dialog was open: bring the section to the
          // top once it has closed (a link to another page simply loads it).
          var target = link.hash && link.pathname === location.pathname
            ? document.getElementById(decodeURIComponent(link.hash.slice(1))) : null;
          if (target) {
            requestAnimationFrame(function () { target.scrollIntoView(); });
          }
        });
      }
    );
  }
  // "Back to top" appears while the reader scrolls up; on a phone it then sits over the
  // text, so it goes away once scrolling has stopped for a moment.
  var BACK_TO_TOP_IDLE_MS = 2000;
  function idleBackToTop() {
    var button = document.getElementById("pst-back-to-top");
    if (!button) {
      return;
    }
    var timer = null;
    window.addEventListener("scroll", function () {
      button.classList.remove("stormbook-idle");
      clearTimeout(timer);
      timer = setTimeout(function () {
        button.classList.add("stormbook-idle");
      }, BACK_TO_TOP_IDLE_MS);
    }, { passive: true });
  }
  function fixSidebars() {
    forwardToggles();
    closeDialogsOnLinks();
    idleBackToTop();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fixSidebars);
  } else {
    fixSidebars();
  }
})();
