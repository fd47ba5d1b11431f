// The company picker: a <select> (which works without JavaScript) becomes one editable combobox
// with a list popup (WAI-ARIA 1.2 combobox pattern, list autocomplete): type part of a name, the
// server's matches (the select's data-combobox URL answers <option>s) appear, pick one with the
// arrow keys and Enter, or the mouse. The select stays in the form and carries the value.
// Hand-written rather than GOV.UK's accessible-autocomplete: that one sets style attributes, which
// our CSP refuses (its issues #398 and #556), and this is all the form needs.
(function () {
  "use strict";

  function enhance(select) {
    var id = select.id;
    var label = document.querySelector("label[for='" + id + "']");
    var wrapper = document.createElement("div");
    var input = document.createElement("input");
    var list = document.createElement("ul");
    var status = document.createElement("div");
    var items = [];
    var active = -1;
    var timer = null;
    var pending = null;

    wrapper.className = "combobox";
    input.type = "text";
    input.autocomplete = "off";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id + "-listbox");
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
    });
    list.id = id + "-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", (label ? label.textContent.trim() : "") + " suggestions");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    // The label (and the error summary's link) now lead to the text box: it takes the select's id.
    select.id = id + "-select";
    select.hidden = true;
    select.tabIndex = -1;
    input.id = id;
    select.parentNode.insertBefore(wrapper, select);
    wrapper.append(input, list, status, select);
    input.value = chosenName();

    function chosenName() {
      var option = select.options[select.selectedIndex];
      return option && option.value ? option.text : "";
    }

    function show(open) {
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) {
        active = -1;
        input.removeAttribute("aria-activedescendant");
      }
    }

    function render(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (item, index) {
        var option = document.createElement("li");
        option.id = list.id + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = item.text;
        list.appendChild(option);
      });
      show(found.length > 0);
      status.textContent = found.length ? found.length + (found.length === 1 ? " match" : " matches") + ", use the arrow keys to choose" : "No match";
    }

    function highlight(index) {
      var options = list.children;
      if (!options.length) return;
      if (options[active]) options[active].setAttribute("aria-selected", "false");
      active = (index + options.length) % options.length;
      options[active].setAttribute("aria-selected", "true");
      options[active].scrollIntoView({ block: "nearest" });
      input.setAttribute("aria-activedescendant", options[active].id);
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      var option = Array.prototype.find.call(select.options, function (o) { return o.value === item.value; });
      if (!option) select.add(new Option(item.text, item.value));
      select.value = item.value;
      input.value = item.text;
      show(false);
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function localMatches(term) {
      term = term.toLowerCase();
      return Array.prototype.filter.call(select.options, function (o) {
        return o.value && o.text.toLowerCase().indexOf(term) !== -1;
      }).map(function (o) { return { value: o.value, text: o.text }; });
    }

    function lookUp() {
      var term = input.value.trim();
      var url = select.getAttribute("data-combobox") + "?" + new URLSearchParams([[select.getAttribute("data-combobox-param") || "search", term]]);
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url, { signal: pending.signal, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("status " + response.status);
          return response.text();
        })
        .then(function (html) {
          // Parsed, never inserted: the answer is read as data.
          var parsed = new DOMParser().parseFromString("<select>" + html + "</select>", "text/html");
          render(Array.prototype.filter.call(parsed.querySelectorAll("option"), function (o) { return o.value; })
            .map(function (o) { return { value: o.value, text: o.textContent }; }));
        })
        .catch(function (error) {
          // TaskIP unreachable: the companies the page came with are still worth offering.
          if (error.name !== "AbortError") render(localMatches(term));
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      if (!input.value.trim()) {
        // An emptied box means no company.
        select.value = "";
        render([]);
        return;
      }
      timer = setTimeout(lookUp, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (list.hidden) lookUp();
        else highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        show(false);
      }
    });
    input.addEventListener("blur", function () {
      // Leaving without choosing keeps what is chosen; the text always names the real value.
      show(false);
      if (input.value.trim()) input.value = chosenName();
    });
    // Keep the focus in the box while an option is clicked.
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) choose(Array.prototype.indexOf.call(list.children, option));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-combobox]").forEach(enhance);
  });
})();
