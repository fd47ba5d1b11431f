// Small behaviours htmx doesn't cover: modal dialogs, row selection, the unsaved-form warning,
// the list's keyboard shortcuts, menus, the theme toggle and the form's error summary.
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

  // The password only matters when portal access is on, a place's ID only when "Another..." is
  // chosen (or one was typed); without JavaScript both simply stay visible.
  function syncDependentFields() {
    document.querySelectorAll("[data-show-when]").forEach(function (field) {
      var control = document.getElementById(field.getAttribute("data-show-when"));
      var wanted = field.getAttribute("data-show-value");
      if (!control) return;
      var typed = Array.prototype.some.call(field.querySelectorAll("input"), function (input) { return input.value !== ""; });
      field.hidden = wanted ? control.value !== wanted && !typed : !control.checked;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.type === "checkbox" || event.target.tagName === "SELECT") syncDependentFields();
  });

  // A link in the error summary puts the focus in its field, label in view (the GOV.UK pattern).
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".error-summary a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
    if (!field) return;
    event.preventDefault();
    var label = field.labels && field.labels[0];
    (label || field).scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });

  // Menus (<details>) close on a click elsewhere or Escape, like any menu.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  // Dark mode follows the system until the toggle pins a theme; a cookie brings it back with the
  // next page (the server writes it on <html>, so the first paint is already right).
  var darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
  function isDark() {
    var pinned = document.documentElement.getAttribute("data-theme");
    return pinned ? pinned === "dark" : darkQuery.matches;
  }
  function syncThemeToggle() {
    var toggle = document.getElementById("theme-toggle");
    if (!toggle) return;
    toggle.hidden = false;
    toggle.setAttribute("aria-pressed", isDark() ? "true" : "false");
  }
  darkQuery.addEventListener("change", syncThemeToggle);
  document.addEventListener("click", function (event) {
    if (!event.target.closest("#theme-toggle")) return;
    var theme = isDark() ? "light" : "dark";
    document.documentElement.setAttribute("data-theme", theme);
    document.cookie = "theme=" + theme + "; path=/; max-age=31536000; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
    syncThemeToggle();
  });

  // Keyboard shortcuts on the contact list; the "?" dialog lists them. Rows take the focus with a
  // roving tabindex: Tab reaches the current row once, j/k move it, focus inside a row makes it current.
  function listRows() { return Array.prototype.slice.call(document.querySelectorAll("#results tbody tr")); }
  function makeCurrent(row) {
    listRows().forEach(function (each) { each.setAttribute("tabindex", each === row ? "0" : "-1"); });
  }
  function setUpRows() {
    var rows = listRows();
    if (rows.length && !rows.some(function (row) { return row.getAttribute("tabindex") === "0"; })) makeCurrent(rows[0]);
  }
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("#results tbody tr");
    if (row && row.getAttribute("tabindex") !== "0") makeCurrent(row);
  });

  function isTypingIn(element) {
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    return element.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(element.type);
  }
  function showShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) dialog.showModal();
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("#shortcuts-button")) showShortcuts();
  });
  var rowActions = { Enter: "td.name a", e: "a[href*='/edit/']", i: "a[href*='/invite/']", x: "input[name=contact_ids]" };

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (!document.getElementById("results") || isTypingIn(event.target)) return;
    if (document.querySelector("dialog[open], details.menu[open]")) {
      var menu = document.querySelector("details.menu[open]");
      if (event.key === "Escape" && menu) { menu.open = false; menu.querySelector("summary").focus(); }
      return;
    }
    var key = event.key;
    var focusedRow = event.target.closest && event.target.closest("#results tbody tr");
    if (key === "/") {
      var search = document.getElementById("search");
      if (!search) return;
      event.preventDefault();
      search.focus();
      search.select();
    } else if (key === "?") {
      event.preventDefault();
      showShortcuts();
    } else if (key === "j" || key === "k") {
      var rows = listRows();
      if (!rows.length) return;
      var at = rows.indexOf(focusedRow);
      var next = at < 0 ? (key === "j" ? 0 : rows.length - 1) : Math.min(Math.max(at + (key === "j" ? 1 : -1), 0), rows.length - 1);
      event.preventDefault();
      makeCurrent(rows[next]);
      rows[next].focus();
    } else if (rowActions[key] && focusedRow) {
      // Enter on a link or button inside the row already does that control's own thing.
      if (key === "Enter" && event.target !== focusedRow) return;
      var control = focusedRow.querySelector(rowActions[key]);
      if (!control) return;
      event.preventDefault();
      control.click();
    }
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
    syncThemeToggle();
    setUpRows();
    var shortcutsButton = document.getElementById("shortcuts-button");
    if (shortcutsButton) shortcutsButton.hidden = false;
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
