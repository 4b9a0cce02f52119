// vega-embed's "..." action menu is a <details><summary> with no text a screen reader can
// announce. Name it once each chart has been drawn.
(function () {
  function labelMenus(root) {
    root.querySelectorAll(".vega-embed details > summary:not([aria-label])").forEach(function (s) {
      s.setAttribute("aria-label", "Chart actions: save as image, view source");
    });
  }
  var observer = new MutationObserver(function () { labelMenus(document); });
  document.addEventListener("DOMContentLoaded", function () {
    labelMenus(document);
    observer.observe(document.body, { childList: true, subtree: true });
  });
})();
