/* Small enhancements; every page works without them. No inline scripts (CSP). */
(function () {
  "use strict";

  function isTyping(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  /* "/" focuses the search box from anywhere. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(document.activeElement)) return;
    var box = document.getElementById("q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  /* Next / previous match on a document page opened with ?q=. */
  function setUpMatches() {
    var next = document.getElementById("match-next");
    var prev = document.getElementById("match-prev");
    var status = document.getElementById("match-status");
    var text = document.getElementById("doc-text");
    if (!next || !prev || !text) return;
    var marks = Array.prototype.slice.call(text.querySelectorAll("mark"));
    if (!marks.length) return;
    var current = -1;
    var summary = status ? status.textContent : "";
    function show(index) {
      if (current >= 0) marks[current].classList.remove("current");
      current = (index + marks.length) % marks.length;
      var mark = marks[current];
      mark.classList.add("current");
      mark.scrollIntoView({ block: "center" });
      if (status) status.textContent = "Match " + (current + 1) + " of " + marks.length + ". " + summary;
    }
    next.hidden = false;
    prev.hidden = false;
    next.addEventListener("click", function () { show(current + 1); });
    prev.addEventListener("click", function () { show(current - 1); });
  }

  /* Copy the citation. */
  function setUpCopy() {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var status = button.parentNode.querySelector(".copy-status");
      if (!source) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = source.textContent.trim();
        var done = function () { if (status) status.textContent = "Copied."; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
        } else {
          selectText(source);
          if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
        }
      });
    });
  }

  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMatches();
    setUpCopy();
  });
})();
