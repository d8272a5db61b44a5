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

  /* Next / previous match on a document page opened with ?q=. Before any button was pressed,
     they go from where the reader is (the paragraph landed on, or scrolled to), not from the
     top; afterwards from the current match. */
  function setUpMatches() {
    var next = document.getElementById("match-next");
    var prev = document.getElementById("match-prev");
    var status = document.getElementById("match-status");
    var text = document.getElementById("doc-text");
    var bar = document.querySelector(".match-nav");
    if (!next || !prev || !text) return;
    var marks = Array.prototype.slice.call(text.querySelectorAll("mark"));
    if (!marks.length) return;
    var current = -1;
    var summary = status ? status.textContent : "";
    function barBottom() {
      return bar ? bar.getBoundingClientRect().bottom : 0;
    }
    function firstBelowBar() {
      var top = barBottom();
      for (var i = 0; i < marks.length; i++) {
        if (marks[i].getBoundingClientRect().top >= top) return i;
      }
      return marks.length;
    }
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
    next.addEventListener("click", function () { show(current < 0 ? firstBelowBar() : current + 1); });
    prev.addEventListener("click", function () { show(current < 0 ? firstBelowBar() - 1 : current - 1); });
  }

  /* The sticky match bar must not hide the paragraph a link lands on: paragraphs keep a
     scroll margin as tall as the bar (the stylesheet has a fixed fallback). */
  function setUpScrollMargin() {
    var bar = document.querySelector(".match-nav");
    if (!bar) return;
    function measure() {
      document.documentElement.style.setProperty("--match-bar", bar.offsetHeight + "px");
    }
    measure();
    window.addEventListener("resize", measure);
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target) target.scrollIntoView();
  }

  /* Live search and history. The first pause in typing adds a history entry; later pauses
     replace it, so that Back leaves the query instead of walking through its prefixes. Enter
     (or the button) commits: it replaces the entry typing made, or adds one. Any other
     navigation (a facet, a page) adds its own entry. */
  var typingEntry = false;

  function isSearchRequest(elt) {
    return elt && (elt.id === "q" || elt.id === "search-form");
  }

  /* "unset", not "false": htmx takes a pushed URL "false" for "no history update at all". */
  function setHistoryMode(elt, replace) {
    elt.setAttribute("hx-push-url", replace ? "unset" : "true");
    elt.setAttribute("hx-replace-url", replace ? "true" : "unset");
  }

  /* A commit ends the typing entry when it is sent, not when it is answered: typing that
     follows at once (clearing the box after Enter) must add its own entry even if it
     cancels the commit's request. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (!isSearchRequest(elt)) return;
    setHistoryMode(elt, typingEntry);
    var trigger = (event.detail.requestConfig || {}).triggeringEvent;
    if (!trigger || trigger.type !== "input") typingEntry = false;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.successful) return;
    var config = event.detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    typingEntry = isSearchRequest(event.detail.elt) && !!trigger && trigger.type === "input";
  });

  /* After Back or Forward the box shows the query of the results shown (htmx restores the
     page as it was rendered, with the box as the server first filled it). */
  function syncBoxWithUrl() {
    typingEntry = false;
    var box = document.getElementById("q");
    if (!box) return;
    var q = new URLSearchParams(location.search).get("q") || "";
    if (box.value !== q) box.value = q;
  }
  document.addEventListener("htmx:historyRestore", syncBoxWithUrl);
  window.addEventListener("popstate", syncBoxWithUrl);
  window.addEventListener("pageshow", syncBoxWithUrl);

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
    setUpScrollMargin();
    setUpCopy();
  });
})();
