// Small behaviours htmx doesn't cover: modal dialogs, row selection, and the unsaved-form warning.
// Plain DOM code, loaded as a file so the CSP needs no 'unsafe-inline' or 'unsafe-eval'.
(function () {
  "use strict";
  var opener = null;

  // Dialog fragments arrive in #dialog-slot; open them modally and give focus back when they close.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "dialog-slot") opener = document.activeElement;
  });

  function openDialogs(root) {
    var dialogs = root.matches && root.matches("dialog[data-modal]") ? [root] : root.querySelectorAll("dialog[data-modal]");
    dialogs.forEach(function (dialog) {
      if (dialog.open) return;
      dialog.addEventListener("close", function () {
        dialog.remove();
        var back = opener && document.body.contains(opener) ? opener : document.querySelector("#results, h1");
        if (back) {
          if (!back.hasAttribute("tabindex") && !back.matches("a, button, input, select, textarea")) back.setAttribute("tabindex", "-1");
          back.focus();
        }
        opener = null;
      });
      dialog.showModal();
    });
  }

  function closeDialogs() {
    document.querySelectorAll("dialog[open]").forEach(function (dialog) { dialog.close(); });
  }

  document.body.addEventListener("dialog:close", closeDialogs);
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    var dialog = closer && closer.closest("dialog[data-modal]");
    if (dialog && dialog.matches(":modal")) {
      event.preventDefault();
      dialog.close();
    }
  });

  // Selection in the contact list.
  function rowBoxes() { return Array.prototype.slice.call(document.querySelectorAll("input[name=contact_ids][form=bulk-form]")); }

  function updateSelection() {
    var results = document.getElementById("results");
    var actions = Array.prototype.slice.call(document.querySelectorAll("#bulk-form .bulk-action"));
    if (!results || !actions.length) return;
    var boxes = rowBoxes();
    var checked = boxes.filter(function (box) { return box.checked; }).length;
    var allInput = document.getElementById("select-all-input");
    var pageBox = document.getElementById("select-page");
    var matching = document.getElementById("select-all-matching");
    var status = document.getElementById("selection-status");
    var total = parseInt(results.dataset.total || "0", 10);
    var allOnPage = boxes.length > 0 && checked === boxes.length;
    if (!allOnPage) allInput.value = "0";
    var everything = allInput.value === "1";
    if (pageBox) {
      pageBox.checked = allOnPage;
      pageBox.indeterminate = checked > 0 && !allOnPage;
    }
    var count = everything ? total : checked;
    actions.forEach(function (button) {
      var label = button.getAttribute("data-label");
      button.textContent = count ? label + " (" + count + ")" : label;
      button.disabled = count === 0;
    });
    if (matching) {
      matching.hidden = !(allOnPage && total > boxes.length);
      matching.textContent = everything ? "Select only this page" : "Select all " + total + " matching contacts";
    }
    if (status) {
      status.textContent = everything ? "All " + total + " matching contacts selected." :
        checked ? checked + " selected on this page." : "";
    }
  }

  document.addEventListener("change", function (event) {
    if (event.target.id === "select-page") {
      rowBoxes().forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.id === "select-page" || event.target.name === "contact_ids") updateSelection();
  });
  document.addEventListener("click", function (event) {
    if (event.target.id !== "select-all-matching") return;
    var allInput = document.getElementById("select-all-input");
    allInput.value = allInput.value === "1" ? "0" : "1";
    updateSelection();
  });

  // Warn before leaving a form with unsaved changes.
  var dirty = null;
  document.addEventListener("input", function (event) {
    var form = event.target.form || event.target.closest("form");
    if (form && form.hasAttribute("data-warn-unsaved")) dirty = form;
  });
  document.addEventListener("submit", function () { dirty = null; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && document.body.contains(dirty)) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // The password only matters when portal access is on; without JavaScript it simply stays visible.
  function syncDependentFields() {
    document.querySelectorAll("[data-show-when]").forEach(function (field) {
      var box = document.getElementById(field.getAttribute("data-show-when"));
      if (box) field.hidden = !box.checked;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.type === "checkbox") syncDependentFields();
  });

  // The search box and page size live outside #results; when a link inside it changes them
  // (Clear search, say), bring the controls in line unless the user is typing there.
  function syncToolbar() {
    var results = document.getElementById("results");
    var search = document.getElementById("search");
    var limit = document.getElementById("limit");
    if (!results) return;
    if (search && document.activeElement !== search) search.value = results.dataset.search || "";
    if (limit && results.dataset.limit) limit.value = results.dataset.limit;
  }

  // A swap that replaced the focused link (Next page, a sort header, a form row button) would
  // leave keyboard users at the top of the document; keep them in the part that changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (document.activeElement && document.activeElement !== document.body) return;
    var target = event.detail.target && document.getElementById(event.detail.target.id);
    if (!target || target.id === "dialog-slot" || target.id === "api-status") return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  });

  function ready(root) {
    syncToolbar();
    syncDependentFields();
    openDialogs(root);
    updateSelection();
  }
  document.addEventListener("DOMContentLoaded", function () {
    ready(document.body);
    if (window.htmx) window.htmx.onLoad(ready);
  });
})();
