/* Segment builder: draws the rule tree (spec/scoring.md) as nested groups of condition rows, writes it back
   as JSON into the form's `rule` field on every change, and asks htmx for a fresh count (debounced by the
   preview's hx-trigger). Errors from the server are keyed by node path and shown on the row they name. */
(function () {
  "use strict";

  var root = document.getElementById("segment-builder");
  var input = document.getElementById("id_rule");
  var configNode = document.getElementById("segment-config");
  if (!root || !input || !configNode) return;

  var config = JSON.parse(configNode.textContent);
  var T = config.text;
  var FIELDS = {};
  config.fields.forEach(function (field) { FIELDS[field.name] = field; });
  var TAG = "__tag", EVENT = "__event", ATTRIBUTE = "__attribute";
  var LIST_OPS = ["in", "not_in"];
  var registry = [];  // [path, element] of the last serialisation, to place server errors

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function options(select, pairs, selected) {
    var chosen = [].concat(selected === undefined || selected === null ? [] : selected).map(String);
    pairs.forEach(function (pair) {
      var option = el("option", { value: pair[0], text: pair[1] });
      if (chosen.indexOf(String(pair[0])) >= 0) option.selected = true;
      select.appendChild(option);
    });
    return select;
  }

  function button(label, className, onClick) {
    var node = el("button", { type: "button", "class": "btn btn-sm " + className, text: label });
    node.addEventListener("click", function () { onClick(); changed(); });
    return node;
  }

  /* ---- groups ---- */

  function groupEl(kind, negate, children, depth) {
    var box = el("div", { "class": "seg-group", "data-depth": String(depth) });
    var kindSelect = options(el("select", { "class": "seg-kind", "aria-label": T.operator }),
      [["all", T.all], ["any", T.any]], kind);
    var notBox = el("input", { type: "checkbox", "class": "seg-negate" });
    notBox.checked = !!negate;
    var notLabel = el("label", { "class": "seg-not" }, [notBox, el("span", { text: T.not })]);
    var note = el("span", { "class": "seg-negated-note", text: T.negated });
    var head = el("div", { "class": "seg-group-head" }, [kindSelect, notLabel, note]);
    if (depth > 0) head.appendChild(button(T.remove_group, "btn-ghost seg-remove", function () { box.remove(); }));
    var list = el("div", { "class": "seg-children" });
    var actions = el("div", { "class": "seg-actions" }, [
      button("+ " + T.add_condition, "btn-secondary seg-add-condition", function () {
        list.appendChild(conditionEl({ field: "stage", op: "eq", value: "lead" }));
      }),
    ]);
    if (depth + 1 < config.max_depth - 1) {
      actions.appendChild(button("+ " + T.add_group, "btn-secondary seg-add-group", function () {
        list.appendChild(groupEl(kind === "all" ? "any" : "all", false,
          [{ field: "fit_score", op: "gte", value: 50 }], depth + 1));
      }));
    }
    box.appendChild(head);
    box.appendChild(list);
    box.appendChild(actions);
    children.forEach(function (child) { list.appendChild(nodeEl(child, depth + 1)); });
    function paint() { box.classList.toggle("is-negated", notBox.checked); note.hidden = !notBox.checked; }
    notBox.addEventListener("change", paint);
    paint();
    return box;
  }

  /* Turn a rule node into DOM: groups, negated groups, and leaves (a negated leaf becomes a NOT group). */
  function nodeEl(node, depth) {
    if (node && (node.all || node.any)) return groupEl(node.all ? "all" : "any", false, node.all || node.any, depth);
    if (node && node.not) {
      var inner = node.not;
      if (inner.all || inner.any) return groupEl(inner.all ? "all" : "any", true, inner.all || inner.any, depth);
      if (inner.tag !== undefined) return conditionEl({ special: TAG, op: "lacks", value: inner.tag });
      return groupEl("all", true, [inner], depth);
    }
    if (node && node.tag !== undefined) return conditionEl({ special: TAG, op: "has", value: node.tag });
    if (node && node.event) return conditionEl({ special: EVENT, event: node.event });
    if (node && node.stage !== undefined) {
      var many = Array.isArray(node.stage);
      return conditionEl({ field: "stage", op: many ? "in" : "eq", value: node.stage });
    }
    if (node && typeof node.field === "string" && node.field.indexOf("attributes.") === 0) {
      return conditionEl({ special: ATTRIBUTE, key: node.field.slice(11), op: node.op, value: node.value });
    }
    return conditionEl(node || {});
  }

  /* ---- conditions ---- */

  function fieldSelect(selected) {
    var select = el("select", { "class": "seg-field", "aria-label": T.field });
    var groups = {};
    config.fields.forEach(function (field) {
      if (!groups[field.group]) {
        groups[field.group] = el("optgroup", { label: field.group });
        select.appendChild(groups[field.group]);
      }
      options(groups[field.group], [[field.name, field.label]], selected);
    });
    select.appendChild(options(el("optgroup", { label: T.special }),
      [[TAG, T.tag], [EVENT, T.activity], [ATTRIBUTE, T.attribute]], selected));
    return select;
  }

  function conditionEl(data) {
    var row = el("div", { "class": "seg-cond" });
    var field = fieldSelect(data.special || data.field || "stage");
    var body = el("span", { "class": "seg-body" });
    row.appendChild(field);
    row.appendChild(body);
    row.appendChild(button("×", "btn-ghost seg-remove", function () { row.remove(); }));
    row.setAttribute("title", "");
    function draw(values) {
      body.innerHTML = "";
      var name = field.value;
      if (name === TAG) drawTag(body, values);
      else if (name === EVENT) drawEvent(body, values.event || {}, values.event === undefined);
      else drawField(body, name === ATTRIBUTE ? { type: "attribute", choices: [] } : FIELDS[name], values);
    }
    field.addEventListener("change", function () { draw({}); changed(); });
    draw(data);
    return row;
  }

  function drawTag(body, data) {
    body.appendChild(options(el("select", { "class": "seg-op", "aria-label": T.operator }),
      [["has", T.has_tag], ["lacks", T.lacks_tag]], data.op || "has"));
    if (!config.tags.length) {
      body.appendChild(el("input", { type: "text", "class": "seg-value", "aria-label": T.tag, value: data.value || "" }));
      return;
    }
    var tags = config.tags.map(function (name) { return [name, name]; });
    if (data.value && config.tags.indexOf(data.value) < 0) tags.unshift([data.value, data.value]);
    body.appendChild(options(el("select", { "class": "seg-value", "aria-label": T.tag }), tags, data.value));
  }

  /* A select with an "any" first option; several saved values turn it into a multiple select. */
  function pick(className, label, anyLabel, pairs, value) {
    var many = Array.isArray(value) && value.length > 1;
    var select = el("select", { "class": className, "aria-label": label });
    if (many) select.multiple = true;
    return options(select, (many ? [] : [["", anyLabel]]).concat(pairs), value === undefined ? "" : value);
  }

  function drawEvent(body, event, fresh) {
    var number = function (className, label, key, fallback, min) {
      var value = event[key] === undefined ? (fresh ? fallback : "") : String(event[key]);
      return el("input", { type: "number", min: min, "class": className, "aria-label": label, value: value });
    };
    body.appendChild(pick("seg-ev-kind", T.activity, T.any_kind, config.kinds, event.kind));
    body.appendChild(pick("seg-ev-channel", T.any_channel, T.any_channel, config.channels, event.channel));
    body.appendChild(pick("seg-ev-campaign", T.any_campaign, T.any_campaign, config.campaigns, event.campaign));
    body.appendChild(pick("seg-ev-outcome", T.any_outcome, T.any_outcome, config.outcomes, event.outcome));
    body.appendChild(el("span", { "class": "seg-word", text: T.in_last }));
    body.appendChild(number("seg-ev-days", T.days, "within_days", "30", "1"));
    body.appendChild(el("span", { "class": "seg-word", text: T.days + ", " + T.at_least }));
    body.appendChild(number("seg-ev-min", T.at_least, "count_gte", "1", "0"));
    body.appendChild(el("span", { "class": "seg-word", text: T.at_most }));
    body.appendChild(number("seg-ev-max", T.at_most, "count_lte", "", "0"));
    body.appendChild(el("span", { "class": "seg-word", text: T.times }));
  }

  function drawField(body, spec, data) {
    if (!spec) return;
    if (spec.type === "attribute") {
      body.appendChild(el("input", { type: "text", "class": "seg-key", placeholder: T.attribute_key,
        "aria-label": T.attribute_key, value: data.key || "" }));
    }
    var ops = config.operators[spec.type].slice();
    if (ops.some(function (op) { return op[0] === "is_null"; })) ops.push(["is_not_null", T.is_not_empty]);
    var opValue = data.op === "is_null" && data.value === false ? "is_not_null" : data.op;
    var op = options(el("select", { "class": "seg-op", "aria-label": T.operator }), ops, opValue || ops[0][0]);
    var value = el("span", { "class": "seg-values" });
    body.appendChild(op);
    body.appendChild(value);
    function redraw(current) { value.innerHTML = ""; drawValue(value, spec, op.value, current); }
    op.addEventListener("change", function () { redraw(undefined); changed(); });
    redraw(data.op === op.value ? data.value : undefined);
  }

  function drawValue(box, spec, op, current) {
    if (op === "is_null" || op === "is_not_null") return;
    var choices = spec.choices || [];
    if (spec.type === "bool") {
      box.appendChild(options(el("select", { "class": "seg-value", "aria-label": T.value }),
        [["true", T.yes], ["false", T.no]], current === false ? "false" : "true"));
    } else if ((spec.type === "choice" || spec.type === "ref") && choices.length) {
      var multi = LIST_OPS.indexOf(op) >= 0;
      var select = el("select", { "class": "seg-value", "aria-label": T.value });
      if (multi) select.multiple = true;
      box.appendChild(options(select, choices, current === undefined ? (multi ? [] : choices[0][0]) : current));
    } else if (op === "between") {
      var pair = Array.isArray(current) ? current : ["", ""];
      box.appendChild(valueInput(spec, pair[0], "seg-value-low"));
      box.appendChild(el("span", { "class": "seg-word", text: T.and }));
      box.appendChild(valueInput(spec, pair[1], "seg-value-high"));
    } else if (LIST_OPS.indexOf(op) >= 0) {
      var text = Array.isArray(current) ? current.join(", ") : "";
      box.appendChild(el("input", { type: "text", "class": "seg-value-list", value: text, title: T.list_hint,
        placeholder: T.list_hint, "aria-label": T.value }));
    } else {
      box.appendChild(valueInput(spec, current, "seg-value"));
    }
  }

  function valueInput(spec, current, className) {
    var type = spec.type === "number" ? "number" : spec.type === "datetime" ? "date" : "text";
    var shown = current === undefined || current === null ? "" : String(current);
    if (type === "date") shown = shown.slice(0, 10);
    return el("input", { type: type, "class": className, value: shown, "aria-label": T.value });
  }

  /* ---- DOM -> rule JSON ---- */

  function typed(spec, raw) {
    var text = String(raw).trim();
    if (spec.type === "number") return text !== "" && !isNaN(Number(text)) ? Number(text) : text;
    if (spec.type === "bool") return text === "true";
    if (spec.type === "attribute") {
      if (text === "true" || text === "false") return text === "true";
      return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    }
    return text;
  }

  function groupJson(box, path) {
    var kind = box.querySelector(":scope > .seg-group-head .seg-kind").value;
    var negate = box.querySelector(":scope > .seg-group-head .seg-negate").checked;
    var inner = negate ? path + ".not" : path;
    registry.push([path, box]);
    var children = [];
    box.querySelectorAll(":scope > .seg-children > *").forEach(function (child) {
      var childPath = inner + "." + kind + "[" + children.length + "]";
      children.push(child.classList.contains("seg-group") ? groupJson(child, childPath) : conditionJson(child, childPath));
    });
    var group = {};
    group[kind] = children;
    return negate ? { not: group } : group;
  }

  function conditionJson(row, path) {
    registry.push([path, row]);
    var name = row.querySelector(".seg-field").value;
    var q = function (selector) { return row.querySelector(selector); };
    if (name === TAG) {
      var tag = { tag: q(".seg-value").value };
      return q(".seg-op").value === "lacks" ? { not: tag } : tag;
    }
    if (name === EVENT) {
      var event = {};
      [["kind", ".seg-ev-kind"], ["channel", ".seg-ev-channel"], ["campaign", ".seg-ev-campaign"], ["outcome", ".seg-ev-outcome"]].forEach(function (pair) {
        var select = q(pair[1]);
        if (select.multiple) event[pair[0]] = Array.prototype.map.call(select.selectedOptions, function (o) { return o.value; });
        else if (select.value) event[pair[0]] = select.value;
      });
      [["within_days", ".seg-ev-days"], ["count_gte", ".seg-ev-min"], ["count_lte", ".seg-ev-max"]].forEach(function (pair) {
        var raw = q(pair[1]).value.trim();
        if (raw !== "") event[pair[0]] = isNaN(Number(raw)) ? raw : Number(raw);
      });
      return { event: event };
    }
    var spec = name === ATTRIBUTE ? { type: "attribute" } : FIELDS[name];
    var field = name === ATTRIBUTE ? "attributes." + q(".seg-key").value.trim() : name;
    var op = q(".seg-op").value;
    if (op === "is_null" || op === "is_not_null") return { field: field, op: "is_null", value: op === "is_null" };
    var value;
    if (q(".seg-value-low")) value = [typed(spec, q(".seg-value-low").value), typed(spec, q(".seg-value-high").value)];
    else if (q(".seg-value-list")) {
      value = q(".seg-value-list").value.split(/[,，]/).map(function (part) { return part.trim(); })
        .filter(Boolean).map(function (part) { return typed(spec, part); });
    } else if (q(".seg-value") && q(".seg-value").multiple) {
      value = Array.prototype.map.call(q(".seg-value").selectedOptions, function (option) { return option.value; });
    } else value = typed(spec, q(".seg-value") ? q(".seg-value").value : "");
    return { field: field, op: op, value: value };
  }

  function changed() {
    registry = [];
    var top = root.firstElementChild;
    input.value = JSON.stringify(top ? groupJson(top, "rule") : {});
    document.body.dispatchEvent(new CustomEvent("segment-change"));
  }

  /* ---- server errors -> rows ---- */

  function showErrors(errors) {
    root.querySelectorAll(".seg-error").forEach(function (node) { node.classList.remove("seg-error"); });
    root.querySelectorAll(".seg-error-text").forEach(function (node) { node.remove(); });
    Object.keys(errors || {}).forEach(function (key) {
      var best = null;
      registry.forEach(function (entry) {
        var path = entry[0];
        var boundary = key.charAt(path.length);
        if (key.indexOf(path) === 0 && (boundary === "" || boundary === "." || boundary === "[")) {
          if (!best || path.length > best[0].length) best = entry;
        }
      });
      if (!best) return;
      best[1].classList.add("seg-error");
      var holder = best[1].classList.contains("seg-group") ? best[1].querySelector(".seg-group-head") : best[1];
      holder.appendChild(el("p", { "class": "seg-error-text", text: errors[key].join(" ") }));
    });
  }

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "segment-preview") {
      var node = document.getElementById("segment-errors");
      showErrors(node ? JSON.parse(node.textContent) : {});
    }
  });

  root.addEventListener("change", changed);
  root.addEventListener("input", function (event) {
    if (event.target.matches("input[type=text], input[type=number], input[type=date]")) changed();
  });

  var initial;
  try { initial = JSON.parse(input.value || "{}"); } catch (e) { return; }  // broken JSON: edit it as text
  root.appendChild(initial.all || initial.any || (initial.not && (initial.not.all || initial.not.any))
    ? nodeEl(initial, 0) : groupEl("all", false, [initial], 0));
  changed();
  var saved = document.getElementById("segment-save-errors");
  if (saved) showErrors(JSON.parse(saved.textContent));
})();
