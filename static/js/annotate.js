// Annotations on the review page: selecting words in an answer ([data-annotatable]) fills its
// annotate form with the selection's offsets and the quoted text. Offsets are sent as the browser
// measures them, in UTF-16 code units (`unit=utf16`); the server converts them to code points and
// checks the quote against the stored answer. The numbered note links inside the answer
// ([data-ann-skip]) are not part of the answer and are left out of every measure. Typing in
// "Quoted text" by hand drops the offsets: the server then finds the quote itself (as without script).
(function () {
  "use strict";

  function textBefore(container, node, offset) {
    var range = document.createRange();
    range.setStart(container, 0);
    range.setEnd(node, offset);
    var part = range.cloneContents();
    part.querySelectorAll("[data-ann-skip]").forEach(function (el) { el.remove(); });
    return part.textContent;
  }

  function annotatable(node) {
    var el = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    return el ? el.closest("[data-annotatable]") : null;
  }

  function field(form, name) {
    return form.querySelector('[name="' + name + '"]');
  }

  document.addEventListener("selectionchange", function () {
    var sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var range = sel.getRangeAt(0);
    var container = annotatable(range.startContainer);
    if (!container || annotatable(range.endContainer) !== container) return;
    var form = document.getElementById(container.dataset.form);
    if (!form) return;
    var start = textBefore(container, range.startContainer, range.startOffset).length;
    var end = textBefore(container, range.endContainer, range.endOffset).length;
    if (end <= start) return;
    var whole = textBefore(container, container, container.childNodes.length);
    field(form, "start").value = String(start);
    field(form, "end").value = String(end);
    field(form, "unit").value = "utf16";
    field(form, "quote").value = whole.slice(start, end);
  });

  document.addEventListener("input", function (event) {
    var t = event.target;
    if (!t || t.name !== "quote" || !t.form || !t.form.classList.contains("annotate-form")) return;
    field(t.form, "start").value = "";
    field(t.form, "end").value = "";
    field(t.form, "unit").value = "code_points";
  });
})();
