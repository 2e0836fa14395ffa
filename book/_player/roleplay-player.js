/*
 * The role-play player of the static course site: no server, no kernel, nothing from another host.
 *
 * Each role-play on a page is written by servicecourse/static.py as a plain HTML preview
 * (.serve-roleplay-static) holding the whole scenario as JSON (script.serve-scenario-data).
 * On DOMContentLoaded this file turns every preview into a playable role-play.
 *
 * Two parts:
 *   - the engine (Roleplay, sha256Hex, checksum, scoreText, profileText): pure, no DOM. It mirrors
 *     servicecourse/engine.py and is checked against the Python engine's test vectors
 *     (servicecourse/vectors.py) by tests/test_static_player.py, which require()s this file in Node.
 *   - the view: builds buttons, feedback, the debrief and the SVG profile chart with DOM calls
 *     (text is always set with textContent, never parsed as HTML).
 */
(function () {
  "use strict";

  /* ------------------------------------------------------------------ engine (pure) ---------- */

  var DEFAULT_LETTERS = "ABCDEFGHIJ";

  // SHA-256 in plain JavaScript. crypto.subtle exists only in secure contexts (https, localhost)
  // and is asynchronous; this works on any intranet http host and keeps the engine synchronous.
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  function utf8(text) {
    if (typeof TextEncoder !== "undefined") return new TextEncoder().encode(text);
    var binary = unescape(encodeURIComponent(text));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function ror(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  /** The SHA-256 digest of a text (encoded as UTF-8), as 64 lowercase hex digits. */
  function sha256Hex(text) {
    var bytes = utf8(String(text));
    var total = Math.ceil((bytes.length + 9) / 64) * 64;
    var data = new Uint8Array(total);
    data.set(bytes);
    data[bytes.length] = 0x80;
    var bits = bytes.length * 8;
    var high = Math.floor(bits / 0x100000000), low = bits >>> 0;
    for (var k = 0; k < 4; k++) {
      data[total - 8 + k] = (high >>> (24 - 8 * k)) & 0xff;
      data[total - 4 + k] = (low >>> (24 - 8 * k)) & 0xff;
    }
    var H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var W = new Array(64);
    for (var offset = 0; offset < total; offset += 64) {
      for (var t = 0; t < 16; t++) {
        var i = offset + 4 * t;
        W[t] = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
      }
      for (t = 16; t < 64; t++) {
        var s0 = ror(W[t - 15], 7) ^ ror(W[t - 15], 18) ^ (W[t - 15] >>> 3);
        var s1 = ror(W[t - 2], 17) ^ ror(W[t - 2], 19) ^ (W[t - 2] >>> 10);
        W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (t = 0; t < 64; t++) {
        var S1 = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25);
        var ch = (e & f) ^ (~e & g);
        var temp1 = (h + S1 + ch + K[t] + W[t]) | 0;
        var S0 = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var temp2 = (S0 + maj) | 0;
        h = g; g = f; f = e; e = (d + temp1) | 0;
        d = c; c = b; b = a; a = (temp1 + temp2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }
    var hex = "";
    for (var n = 0; n < 8; n++) hex += ("00000000" + (H[n] >>> 0).toString(16)).slice(-8);
    return hex;
  }

  /** The 4-hex check of a path code, as engine.py's _checksum computes it. */
  function checksum(scenarioId, letters) {
    return sha256Hex(scenarioId + "/" + letters).slice(0, 4);
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function dimensionIds(scenario) {
    return scenario.dimensions.map(function (d) { return d.id; });
  }

  /** One play-through of a scenario (the JSON of servicecourse.static.scenario_data). */
  function Roleplay(scenario) {
    this.scenario = scenario;
    this.restart();
  }

  Roleplay.prototype.restart = function () {
    this.history = [];   // [{beat: id, index: n}]
    this.node = this.scenario.start;
  };

  Roleplay.prototype.finished = function () {
    return has(this.scenario.endings, this.node);
  };

  Roleplay.prototype.beat = function () {
    return has(this.scenario.beats, this.node) ? this.scenario.beats[this.node] : null;
  };

  Roleplay.prototype.ending = function () {
    return has(this.scenario.endings, this.node) ? this.scenario.endings[this.node] : null;
  };

  /** Take choice `index` (0-based) at the current beat and return it. */
  Roleplay.prototype.choose = function (index) {
    if (this.finished()) throw new Error("the conversation has ended; restart to play again");
    var beat = this.beat();
    if (!(index >= 0 && index < beat.choices.length && index === Math.floor(index))) {
      throw new Error("beat '" + this.node + "' has " + beat.choices.length + " choices, not " + (index + 1));
    }
    this.history.push({ beat: this.node, index: index });
    this.node = beat.choices[index].next;
    return beat.choices[index];
  };

  Roleplay.prototype.steps = function () {
    var beats = this.scenario.beats;
    return this.history.map(function (step) {
      return { beat: step.beat, index: step.index, choice: beats[step.beat].choices[step.index] };
    });
  };

  /** The SERVE score summed over the choices made so far. */
  Roleplay.prototype.score = function () {
    var steps = this.steps(), score = {};
    dimensionIds(this.scenario).forEach(function (d) {
      var total = 0;
      steps.forEach(function (step) { total += step.choice.score[d] || 0; });
      score[d] = total;
    });
    return score;
  };

  /** The mean SERVE score per choice (-2..2); zeros before any choice. */
  Roleplay.prototype.profile = function () {
    var score = this.score(), count = this.history.length || 1, profile = {};
    Object.keys(score).forEach(function (d) { profile[d] = score[d] / count; });
    return profile;
  };

  /** The code that records this play-through, e.g. "serve-call-centre/AAAA/257c". */
  Roleplay.prototype.pathCode = function () {
    var alphabet = this.scenario.letters || DEFAULT_LETTERS;
    var letters = this.history.map(function (step) { return alphabet.charAt(step.index); }).join("");
    return this.scenario.id + "/" + letters + "/" + checksum(this.scenario.id, letters);
  };

  function signed(value) {
    return (value > 0 ? "+" : "") + String(value);
  }

  /** format(value, "+.1f") as Python does it: round half to even on the exact binary value
   *  (toFixed rounds half up: 1.25 would give "1.3" here but "1.2" in the Voila app). */
  function signed1(value) {
    var negative = value < 0 || Object.is(value, -0);
    var digits = Math.abs(value).toFixed(20);   // enough digits to tell an exact half from a near one
    var cut = digits.indexOf(".") + 2;
    var kept = digits.slice(0, cut), rest = digits.slice(cut);
    var half = "5" + new Array(rest.length).join("0");
    var odd = Number(kept.charAt(kept.length - 1)) % 2 === 1;
    var tenths = Math.round(Number(kept) * 10) + (rest > half || (rest === half && odd) ? 1 : 0);
    return (negative ? "-" : "+") + (tenths / 10).toFixed(1);
  }

  /** "Spirit of service +2, Respectful communication -1", as widget.py's _score_text. */
  function scoreText(scenario, score) {
    var parts = [];
    scenario.dimensions.forEach(function (d) {
      if (score[d.id]) parts.push(d.label + " " + signed(score[d.id]));
    });
    return parts.join(", ") || "no effect on the SERVE dimensions";
  }

  /** The text alternative of the profile chart, as widget.py's chart alt text. */
  function profileText(scenario, profile) {
    return "SERVE profile, mean score per choice: " + scenario.dimensions.map(function (d) {
      return d.label + " " + signed1(profile[d.id]);
    }).join(", ");
  }

  var engine = {
    Roleplay: Roleplay,
    sha256Hex: sha256Hex,
    checksum: checksum,
    scoreText: scoreText,
    profileText: profileText,
    formatSigned1: signed1
  };

  if (typeof module !== "undefined" && module.exports) module.exports = engine;
  if (typeof document === "undefined") return;

  /* ------------------------------------------------------------------ view (DOM) -------------- */

  var SVG = "http://www.w3.org/2000/svg";
  var GOOD = "#2e7d32", BAD = "#c62828";
  var counter = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs.text;
      else if (name === "class") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The SERVE profile as horizontal bars from -2 to +2 (each label above its bar, so the chart
   *  stays readable on a phone), with its text alternative as the SVG's accessible name. */
  function profileChart(scenario, profile, uid) {
    var dims = scenario.dimensions;
    var width = 440, left = 40, right = 400, top = 4, row = 46, bar = 18;
    var bottom = top + row * dims.length;
    var height = bottom + 40;
    var zero = (left + right) / 2, unit = (right - left) / 4;
    var alt = profileText(scenario, profile);
    var chart = svg("svg", {
      "class": "serve-profile-chart", viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-labelledby": uid + "-chart-title", width: "100%", preserveAspectRatio: "xMinYMin meet"
    });
    chart.appendChild(svg("title", { id: uid + "-chart-title" }, alt));
    [-2, -1, 0, 1, 2].forEach(function (tick) {
      var x = zero + tick * unit;
      chart.appendChild(svg("line", {
        x1: x, x2: x, y1: top + 18, y2: bottom + 2, "class": tick === 0 ? "serve-axis" : "serve-grid"
      }));
      chart.appendChild(svg("text", { x: x, y: bottom + 16, "text-anchor": "middle", "class": "serve-tick" },
                            tick > 0 ? "+" + tick : tick < 0 ? "\u2212" + -tick : "0"));
    });
    chart.appendChild(svg("text", { x: zero, y: bottom + 34, "text-anchor": "middle", "class": "serve-tick" },
                          "mean score per choice (\u22122 harmful \u2026 +2 excellent)"));
    dims.forEach(function (d, i) {
      var value = profile[d.id], y = top + i * row;
      var clamped = Math.max(-2, Math.min(2, value));
      chart.appendChild(svg("text", { x: 4, y: y + 14, "class": "serve-label" }, d.label));
      if (clamped !== 0) {
        chart.appendChild(svg("rect", {
          x: clamped > 0 ? zero : zero + clamped * unit, y: y + 20, width: Math.abs(clamped) * unit,
          height: bar, rx: 2, fill: value >= 0 ? GOOD : BAD, "class": "serve-bar"
        }));
      }
      var end = zero + clamped * unit;
      chart.appendChild(svg("text", {
        x: clamped >= 0 ? end + 6 : end - 6, y: y + 20 + bar - 4,
        "text-anchor": clamped >= 0 ? "start" : "end", "class": "serve-value"
      }, signed1(value)));
    });
    return chart;
  }

  // The debrief's headings go one level below the page heading the role-play sits under (an h2
  // section gives h3), so that heading levels never skip one.
  function subheadingTag(container) {
    var level = 2;
    var headings = document.querySelectorAll("h1, h2, h3, h4, h5, h6");
    for (var i = 0; i < headings.length; i++) {
      if (!(headings[i].compareDocumentPosition(container) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
      level = Number(headings[i].tagName.charAt(1));
    }
    return "h" + Math.min(level + 1, 6);
  }

  /** Turn one .serve-roleplay-static preview into a player; returns false if it has no data. */
  function mount(container) {
    var script = container.querySelector("script.serve-scenario-data");
    if (!script) return false;
    var scenario;
    try {
      scenario = JSON.parse(script.textContent);
    } catch (error) {
      if (window.console) console.warn("serve role-play: unreadable scenario data", error);
      return false;
    }
    var link = container.querySelector("a.serve-play-link");
    var appUrl = link ? link.getAttribute("href") : null;
    var play = new Roleplay(scenario);
    var subheading = subheadingTag(container);
    var uid = "serve-player-" + (++counter);

    var title = el("p", { "class": "serve-player-title", id: uid + "-title" }, [
      el("strong", { text: "Role-play: " + scenario.title }), " ",
      el("em", { text: "(you are: " + scenario.role + ")" })
    ]);
    var setting = el("p", { "class": "serve-setting", text: scenario.setting });
    var feedback = el("div", { "class": "serve-feedback", role: "status", "aria-live": "polite",
                               "aria-atomic": "true" });
    var stage = el("div", { "class": "serve-stage" });
    var footer = el("p", { "class": "serve-app-link" });
    if (appUrl) {
      footer.appendChild(document.createTextNode("Prefer the course app? "));
      footer.appendChild(el("a", { "class": "serve-play-link", href: appUrl,
                                   text: "Play this role-play in the course app" }));
    }

    container.textContent = "";
    container.classList.add("serve-player");
    container.setAttribute("role", "region");
    container.setAttribute("aria-labelledby", uid + "-title");
    [title, setting, feedback, stage, footer].forEach(function (node) { container.appendChild(node); });

    function showFeedback(choice) {
      feedback.textContent = "";
      feedback.appendChild(el("p", {}, [el("strong", { text: "Feedback. " }), choice.feedback]));
      feedback.appendChild(el("p", { "class": "serve-score", text: "SERVE: " + scoreText(scenario, choice.score) }));
    }

    function beatView(beat) {
      var ask = el("p", { "class": "serve-ask", id: uid + "-ask-" + play.history.length },
                   [el("strong", { text: "What do you do?" })]);
      var prompt = el("div", { "class": "serve-prompt", tabindex: "-1" }, [
        el("p", { "class": "serve-speaker", text: beat.speaker }),
        el("blockquote", {}, [el("p", { text: beat.text })]),
        ask
      ]);
      var choices = el("div", { "class": "serve-choices", role: "group", "aria-labelledby": ask.id });
      beat.choices.forEach(function (choice, index) {
        var button = el("button", { type: "button", "class": "serve-choice", text: choice.text });
        button.addEventListener("click", function () { choose(index); });
        choices.appendChild(button);
      });
      return { nodes: [prompt, choices], focus: prompt };
    }

    function debriefView() {
      var ending = play.ending();
      var heading = el(subheading, { "class": "serve-ending", tabindex: "-1" }, [
        "Ending: " + ending.title + " ",
        el("span", { "class": "serve-outcome serve-outcome-" + ending.outcome, text: "(" + ending.outcome + ")" })
      ]);
      var path = el("ol", { "class": "serve-path" });
      play.steps().forEach(function (step) {
        path.appendChild(el("li", {}, [
          el("strong", { text: step.choice.text }), el("br"), step.choice.feedback, el("br"),
          el("small", { text: "SERVE: " + scoreText(scenario, step.choice.score) })
        ]));
      });
      var replay = el("button", { type: "button", "class": "serve-replay", text: "Play again" });
      replay.addEventListener("click", restart);
      var debrief = el("div", { "class": "serve-debrief" }, [
        heading,
        el("p", { text: ending.text }),
        el(subheading, { text: "Your path" }), path,
        el(subheading, { text: "What an expert would do" }), el("p", { text: scenario.expert }),
        el("p", {}, ["Your path code: ", el("code", { "class": "serve-path-code", text: play.pathCode() }),
                     " (an exercise may ask you for it)"]),
        el(subheading, { text: "Your SERVE profile" }),
        el("figure", { "class": "serve-profile" }, [profileChart(scenario, play.profile(), uid)]),
        el("p", {}, [replay])
      ]);
      return { nodes: [debrief], focus: heading };
    }

    function draw(moveFocus) {
      var beat = play.beat();
      var view = beat ? beatView(beat) : debriefView();
      stage.textContent = "";
      view.nodes.forEach(function (node) { stage.appendChild(node); });
      if (moveFocus) view.focus.focus();
    }

    function choose(index) {
      showFeedback(play.choose(index));
      draw(true);
    }

    function restart() {
      play.restart();
      feedback.textContent = "";
      draw(true);
    }

    draw(false);
    return true;
  }

  function init() {
    var previews = document.querySelectorAll(".serve-roleplay-static:not(.serve-player)");
    for (var i = 0; i < previews.length; i++) mount(previews[i]);
  }

  window.ServeRoleplay = engine;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
