// What a chart page needs besides the Vega bundle: a stand-in for vegaEmbed until the
// deferred bundle has run, and the parts of a chart a reader's browser or screen reader
// needs that Vega does not draw.
(function () {
  // ---- The stand-in. The bundle is loaded once the page has loaded, so the text paints
  // first, but each chart's own script runs as the page is read and calls vegaEmbed at once.
  // The stand-in keeps those calls; the bundle's last line hands them to the real vegaEmbed
  // (altair_offline.py). The bundle sits beside this script in _static/.
  var waiting = [];
  var here = document.currentScript && document.currentScript.src;
  if (typeof window.vegaEmbed !== "function") {
    window.addEventListener("load", function () {
      var script = document.createElement("script");
      script.src = new URL(window.STORMBOOK_VEGA_BUNDLE, here).href;
      document.head.appendChild(script);
    });
    window.vegaEmbed = function (element, spec, options) {
      return new Promise(function (resolve, reject) {
        waiting.push([element, spec, options, resolve, reject]);
      });
    };
    window.stormbookVegaReady = function (vegaEmbed) {
      waiting.splice(0).forEach(function (call) {
        vegaEmbed(call[0], call[1], call[2]).then(call[3], call[4]);
      });
    };
  }

  // ---- Vega shows a tooltip when the pointer moves over a mark, which a tap on a phone
  // never does; a tap is replayed as a move to the same point. The tooltip stays until the
  // next tap, whose mouseout Vega already reads as "hide".
  document.addEventListener("click", function (event) {
    if (event.pointerType !== "touch" || !event.target.closest(".vega-embed svg")) return;
    event.target.dispatchEvent(new PointerEvent("pointermove", {
      bubbles: true, clientX: event.clientX, clientY: event.clientY, pointerType: "touch",
    }));
    tidyTooltip();
    // vega-tooltip flips a tooltip that would leave the right edge to the left of the
    // finger, where on a narrow screen it leaves the left edge instead.
    var tooltip = document.querySelector("#vg-tooltip-element.visible");
    if (!tooltip) return;
    var box = tooltip.getBoundingClientRect();
    var room = document.documentElement.clientWidth - box.width - 8;
    var shift = Math.max(8, Math.min(box.left, room)) - box.left;
    tooltip.style.left = (parseFloat(tooltip.style.left) || 0) + shift + "px";
    // Nor may it start under the page header, which would hide its first lines.
    var header = document.querySelector(".bd-header");
    var top = header ? header.getBoundingClientRect().bottom + 8 : 8;
    if (box.top < top) {
      tooltip.style.top = (parseFloat(tooltip.style.top) || 0) + (top - box.top) + "px";
    }
  });

  // ---- vega-embed's "..." menu is a <details><summary> with no text to announce.
  function labelMenus(root) {
    root.querySelectorAll(".vega-embed details > summary:not([aria-label])").forEach(function (s) {
      s.setAttribute("aria-label", "Chart actions: save as image, view source");
    });
  }

  function bindName(input) {
    var name = input.closest(".vega-bind").querySelector(".vega-bind-name");
    return name ? name.textContent.replace(/[:\s]+$/, "") : input.name;
  }

  // ---- Number fields: a phone's decimal keypad, a decimal comma read as a point, and a
  // message naming the field when the entry is not a number (Vega would read it as empty).
  // A text field with a decimal keypad, and the message element that names a bad entry.
  function decimalField(input) {
    input.type = "text";
    input.setAttribute("inputmode", "decimal");
    input.setAttribute("autocomplete", "off");
    var message = document.createElement("span");
    message.className = "vega-bind-error";
    message.id = input.name + "-error";
    input.setAttribute("aria-describedby", message.id);
    input.closest(".vega-bind").appendChild(message);
    return message;
  }
  function numberFields(root) {
    root.querySelectorAll(".vega-bind input[type=number]").forEach(decimalField);
  }
  // In the capture phase, so the value is corrected before Vega's own listener reads it.
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".vega-bind input[inputmode=decimal]")) {
      return;
    }
    if (input.value.indexOf(",") >= 0) {
      var caret = input.selectionStart;
      input.value = input.value.replace(/,/g, ".");
      input.setSelectionRange(caret, caret);
    }
    var text = input.value.trim();
    var bad = text !== "" && !isFinite(Number(text));
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    var message = document.getElementById(input.name + "-error");
    if (message && !input.classList.contains("vega-bind-number")) {
      message.textContent = bad
        ? bindName(input) + ": \u201c" + text + "\u201d is not a number, so it is read as not measured."
        : "";
    }
  }, true);

  // ---- Sliders: a number field beside each, so an exact value can be typed, not only
  // dragged (a thumb moves a wide-range slider by several steps per pixel).
  function sliderFields(root) {
    root.querySelectorAll(".vega-bind input[type=range]").forEach(function (range) {
      // A text field with a decimal keypad, like the calculators' number fields, so a
      // decimal comma is read as a point (the capture listener above) and a bad entry is
      // named rather than silently dropped.
      var field = document.createElement("input");
      field.name = range.name + "-typed";
      field.className = "vega-bind-number";
      field.value = range.value;
      field.setAttribute("aria-label", bindName(range) + " (type a value)");
      range.insertAdjacentElement("afterend", field);
      var message = decimalField(field);
      range.addEventListener("input", function () {
        field.value = range.value;
        field.setAttribute("aria-invalid", "false");
        message.textContent = "";
      });
      field.addEventListener("change", function () {
        var text = field.value.trim().replace(/,/g, ".");
        if (text === "" || !isFinite(Number(text))) {
          message.textContent = bindName(range) + ": \u201c" + field.value +
            "\u201d is not a number; the slider stays at " + range.value + ".";
          field.setAttribute("aria-invalid", "true");
          field.value = range.value;
          return;
        }
        range.value = text;
        range.dispatchEvent(new Event("input", { bubbles: true }));
        field.value = range.value; // the slider keeps its own steps and limits
      });
    });
  }

  // ---- Calculators: the result, repeated beside the controls in a live region (a screen
  // reader hears each change; a phone reader sees it while typing), and each criterion
  // with its status in one list. Calculators name these marks (stormbook.calculators).
  // Vega names a mark's group after the mark ("verdict_marks"; in a concatenation
  // "verdict_0_marks"). A line of a multi-line text is a <tspan> of its own.
  function texts(root, names) {
    var selector = names.map(function (name) { return "g[class*=' " + name + "_'] text"; });
    return Array.prototype.map.call(root.querySelectorAll(selector.join(", ")), function (t) {
      var lines = t.querySelectorAll("tspan");
      var parts = lines.length ? Array.prototype.map.call(lines, function (l) {
        return l.textContent;
      }) : [t.textContent];
      return parts.join(" ").replace(/\s+/g, " ").trim();
    });
  }
  function calculatorParts(embed) {
    var form = embed.querySelector(".vega-bindings");
    if (!form || !embed.querySelector("g[class*=' verdict_']")) {
      return null;
    }
    var result = embed.querySelector(".calculator-result");
    if (!result) {
      result = document.createElement("div");
      result.className = "calculator-result";
      result.setAttribute("role", "status");
      result.setAttribute("aria-live", "polite");
      form.insertBefore(result, form.firstChild);
      floatWhileEntering(embed, form, result);
      if (embed.querySelector("g[class*=' criterion_']")) {
        var list = document.createElement("ul");
        list.className = "calculator-criteria visually-hidden";
        list.setAttribute("aria-label", "Criteria and their status");
        form.parentNode.insertBefore(list, form);
      }
    }
    return {
      result: result,
      float: embed.querySelector(".calculator-float"),
      list: embed.querySelector(".calculator-criteria"),
    };
  }
  // While the controls are on screen and the result above them is not (a long form on a
  // phone), a copy of the result is pinned to the bottom of the screen. The live region
  // above the controls is what a screen reader hears; the copy is hidden from it.
  function floatWhileEntering(embed, form, result) {
    var copy = document.createElement("div");
    copy.className = "calculator-float";
    copy.setAttribute("aria-hidden", "true");
    copy.hidden = true;
    embed.appendChild(copy);
    if (!("IntersectionObserver" in window)) {
      return;
    }
    var seen = { form: false, result: true };
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        seen[entry.target === form ? "form" : "result"] = entry.isIntersecting;
      });
      copy.hidden = !(seen.form && !seen.result);
    }).observe(form);
    new IntersectionObserver(function (entries) {
      seen.result = entries[entries.length - 1].isIntersecting;
      copy.hidden = !(seen.form && !seen.result);
    }, { rootMargin: "-64px 0px 0px 0px" }).observe(result);
  }
  function updateCalculators(root) {
    root.querySelectorAll(".vega-embed").forEach(function (embed) {
      var parts = calculatorParts(embed);
      if (!parts) {
        return;
      }
      // "HScore total: 12 of 337 — Below the cut-off (169); published band: …": the
      // heading, then the verdict's separate lines, so they do not run together.
      var text = texts(embed, ["heading"]).concat(
        [texts(embed, ["verdict"]).join("; ")]
      ).join(" \u2014 ");
      if (parts.result.textContent !== text) {
        parts.result.textContent = text;
        parts.float.textContent = text;
      }
      if (!parts.list) {
        return;
      }
      var criteria = texts(embed, ["criterion"]);
      var statuses = texts(embed, ["status"]);
      var items = criteria.map(function (c, i) { return c + ": " + (statuses[i] || ""); });
      if (parts.list.dataset.items !== items.join("|")) {
        parts.list.dataset.items = items.join("|");
        parts.list.replaceChildren.apply(parts.list, items.map(function (item) {
          var li = document.createElement("li");
          li.textContent = item;
          return li;
        }));
      }
    });
  }

  // The drawing is read through the chart's name (its title and description); its marks,
  // which Vega leaves as unnamed graphics once their own labels are off, are hidden.
  function hideDrawings(root) {
    root.querySelectorAll(".vega-embed svg.marks:not([aria-hidden])").forEach(function (svg) {
      svg.setAttribute("aria-hidden", "true");
    });
  }

  // A field a row does not have (an interval not printed, a detail not given) reaches
  // vega-tooltip as null and is printed as "null" or "NaN"; such lines are dropped.
  function tidyTooltip() {
    var tooltip = document.getElementById("vg-tooltip-element");
    if (!tooltip) {
      return;
    }
    tooltip.querySelectorAll("tr").forEach(function (row) {
      var value = row.querySelector("td.value");
      if (value && /^(null|NaN|undefined)$/.test(value.textContent.trim())) {
        row.remove();
      }
    });
  }

  function enhance() {
    tidyTooltip();
    labelMenus(document);
    hideDrawings(document);
    document.querySelectorAll(".vega-embed .vega-bindings:not([data-enhanced])").forEach(
      function (form) {
        form.setAttribute("data-enhanced", "");
        numberFields(form);
        sliderFields(form);
      }
    );
    updateCalculators(document);
  }
  var observer = new MutationObserver(enhance);
  document.addEventListener("DOMContentLoaded", function () {
    enhance();
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
})();
