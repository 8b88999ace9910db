// Copy buttons for read-only link fields (templates/_copy_link.html).
// Progressive enhancement: without JavaScript the button stays hidden and the link is in a
// read-only field the person can select and copy; with it, the button appears and copies.
(function () {
  "use strict";

  function selectAll(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
  }

  function copyBySelection(field) {
    selectAll(field);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value).then(
        function () { return true; },
        function () { return copyBySelection(field); }
      );
    }
    return Promise.resolve(copyBySelection(field));
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field).then(function (copied) {
        if (!copied) {
          selectAll(field);
        }
        if (status) {
          status.textContent = copied
            ? button.getAttribute("data-copied") || "Link copied. Paste it into a message to them."
            : "Couldn't copy automatically: it is selected, press Ctrl+C (⌘C on a Mac).";
        }
      });
    });
  });

  // A click or Tab into a read-only link selects all of it, ready to copy by hand.
  document.querySelectorAll("input.copy[readonly]").forEach(function (field) {
    field.addEventListener("focus", function () { field.select(); });
  });
})();
