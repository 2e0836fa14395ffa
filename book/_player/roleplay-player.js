/*
 * A role-play in a page, in the browser: the course's one JavaScript view of a role-play.
 *
 * - The static course site (no server, no kernel, nothing from another host): each role-play on a
 *   page is written by servicecourse/roleplay/static.py as a plain HTML preview
 *   (.serve-roleplay-static) holding the whole scenario as JSON (script.serve-scenario-data). On
 *   DOMContentLoaded this file turns every preview into a playable role-play (`mount`). The
 *   course's Voila server, beyond its kernel cap, serves the same (servicecourse/serving).
 * - The Voila role-play app's first view (share/jupyter/voila/templates/course/static/first-view.js,
 *   which keeps only the picker and the hand-over to the live widgets) draws the role-play with
 *   this file's view (window.ServeRoleplay.view); the template includes it through a link.
 *
 * Two parts:
 *   - the engine (Roleplay, firstSentence, scoreText, profileText): pure, no DOM. It mirrors
 *     servicecourse/roleplay/engine.py and is checked against the Python engine's test vectors
 *     (servicecourse/roleplay/vectors.py) by tests/roleplay/test_static_player.py, which require()s this file in Node.
 *   - the view: the header, the beat, its choices, the feedback, the debrief and the SVG profile
 *     chart, built with DOM calls (text is always set with textContent, never parsed as HTML) and
 *     worded as the widget's and the no-JavaScript preview's Jinja macros
 *     (servicecourse/templates/roleplay/macros.html.j2). During play a choice shows its
 *     consequence (the next beat) and the first sentence of its feedback; the scores and the
 *     full feedback come in the debrief (at once too if the scenario shows scores). Plays here
 *     are practice: the debrief gives a practice code and says where graded codes come from.
 *
 * Included inside a <script> element by templates: no closing script tag, no HTML comment and
 * no Jinja delimiter may appear in this file (tests/roleplay/test_first_view.py checks).
 */
(function () {
  "use strict";

  /* ------------------------------------------------------------------ engine (pure) ---------- */

  var DEFAULT_LETTERS = "ABCDEFGHIJ";

  // A sentence ends at . ! or ? (and any closing quotes or brackets) followed by the end of the
  // text, or by spaces and a capital, a digit or an opening quote: engine.py's _SENTENCE.
  var SENTENCE = /^([\s\S]*?[.!?]["'\u201d\u2019)\]]*)(?=\s*$|\s+["'\u201c\u2018(\[]?[A-Z\u00c0-\u00d6\u00d8-\u00de0-9])/;

  /** The first sentence of a text (all of it if it has one sentence or no end mark), as
   *  engine.py's first_sentence: what a choice's feedback shows during play. */
  function firstSentence(text) {
    var trimmed = String(text).trim();
    var found = SENTENCE.exec(trimmed);
    return found ? found[1] : trimmed;
  }

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function dimensionIds(scenario) {
    return scenario.dimensions.map(function (d) { return d.id; });
  }

  /** One play-through of a scenario (the JSON of servicecourse.roleplay.static.scenario_data). */
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

  /** The choices made so far, one letter each (A = a beat's first choice). */
  Roleplay.prototype.letters = function () {
    var alphabet = this.scenario.letters || DEFAULT_LETTERS;
    return this.history.map(function (step) { return alphabet.charAt(step.index); }).join("");
  };

  /** The practice code of this play, e.g. "serve-call-centre/BACA/practice": no key is on a
   *  page, so a page can give no graded code (servicecourse/roleplay/pathcodes.py). */
  Roleplay.prototype.practiceCode = function () {
    return this.scenario.id + "/" + this.letters() + "/" + (this.scenario.practice || "practice");
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

  /** "Spirit of service +2, Respectful communication -1", as widget.py's score_text. */
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
    firstSentence: firstSentence,
    scoreText: scoreText,
    profileText: profileText,
    formatSigned1: signed1
  };

  if (typeof module !== "undefined" && module.exports) module.exports = engine;
  if (typeof document === "undefined") return;

  /* ------------------------------------------------------------------ view (DOM) -------------- */

  // The parts of a role-play in a page, each worded and built as the widget's Jinja macros build
  // it (servicecourse/templates/roleplay/macros.html.j2: same classes, same words): the book's
  // player (mount, below) draws all of them, the Voila app's first view
  // (share/jupyter/voila/templates/course/static/first-view.js) the header and the opening.

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

  /** The title (a heading `tag`, with `id`) and who the learner is: the macros' header. */
  function header(scenario, tag, id) {
    return [
      el(tag, { "class": "serve-title", id: id, text: scenario.title }),
      el("p", { "class": "serve-role" }, [el("em", { text: "You are: " + scenario.role + "." }),
                                          " " + scenario.setting])
    ];
  }

  /** The region the feedback of each choice is shown in, read out when it changes. */
  function feedbackRegion() {
    return el("div", { "class": "serve-feedback", role: "status", "aria-live": "polite", "aria-atomic": "true" });
  }

  /** During play: the first sentence of the choice's feedback, and its scores if the scenario
   *  shows them at once (`scores` is then their text): the macros' feedback. */
  function showFeedback(region, sentence, scores) {
    region.textContent = "";
    region.appendChild(el("p", {}, [el("strong", { text: "Feedback." }), " " + sentence]));
    if (scores) region.appendChild(el("p", { "class": "serve-score" }, [el("small", { text: "SERVE: " + scores })]));
  }

  /** A message in the feedback region instead (e.g. the first view's "one moment"). */
  function showStatus(region, text) {
    region.textContent = "";
    if (text) region.appendChild(el("p", { text: text }));
  }

  /** What the other person says and the question the choices answer (focusable, so focus can
   *  move to it after a choice): the macros' beat. */
  function prompt(beat, askId) {
    return el("div", { "class": "serve-prompt", tabindex: "-1" }, [
      el("p", { "class": "serve-speaker", text: beat.speaker }),
      el("p", { "class": "serve-line", text: beat.text }),
      el("p", { "class": "serve-ask", id: askId }, [el("strong", { text: "What do you do?" })])
    ]);
  }

  /** The beat's choices as buttons, a group named by the question; a click calls
   *  onChoose(index, button). */
  function choiceButtons(beat, askId, onChoose) {
    var group = el("div", { "class": "serve-choices", role: "group", "aria-labelledby": askId });
    beat.choices.forEach(function (choice, index) {
      var button = el("button", { type: "button", "class": "serve-choice", text: choice.text });
      button.addEventListener("click", function () { onChoose(index, button); });
      group.appendChild(button);
    });
    return group;
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

  /** At the end: the ending, every choice with its full feedback and scores, the expert's view,
   *  the practice code and the profile, headings `tag`: the macros' debrief and chart. */
  function debrief(play, tag, uid, onReplay) {
    var scenario = play.scenario, ending = play.ending();
    var heading = el(tag, { "class": "serve-ending", tabindex: "-1" }, [
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
    replay.addEventListener("click", onReplay);
    var node = el("div", { "class": "serve-debrief" }, [
      heading,
      el("p", { text: ending.text }),
      el(tag, { text: "Your path" }), path,
      el(tag, { text: "What an expert would do" }), el("p", { text: scenario.expert }),
      el("div", { "class": "serve-evidence serve-evidence-practice", role: "note" }, [
        el("p", {}, ["Your practice code: ", el("code", { "class": "serve-path-code", text: play.practiceCode() }),
                     ". " + scenario.practiceNote])
      ]),
      el(tag, { text: "Your SERVE profile" }),
      el("figure", { "class": "serve-profile" }, [profileChart(scenario, play.profile(), uid)]),
      el("p", {}, [replay])
    ]);
    return { node: node, focus: heading };
  }

  // The title is a heading one level below the page heading the role-play sits under (an h2
  // section gives h3), the debrief's one level below the title, so that levels never skip one.
  function headingLevel(container) {
    var level = 2;
    var headings = document.querySelectorAll("h1, h2, h3, h4, h5, h6");
    for (var i = 0; i < headings.length; i++) {
      if (!(headings[i].compareDocumentPosition(container) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
      level = Number(headings[i].tagName.charAt(1));
    }
    return Math.min(level + 1, 5);
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
    var level = headingLevel(container);
    var uid = "serve-player-" + (++counter);

    var feedback = feedbackRegion();
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
    header(scenario, "h" + level, uid + "-title").concat([feedback, stage, footer]).forEach(function (node) {
      container.appendChild(node);
    });

    function draw(moveFocus) {
      var beat = play.beat(), focus;
      stage.textContent = "";
      if (beat) {
        var askId = uid + "-ask-" + play.history.length;
        focus = prompt(beat, askId);
        stage.appendChild(focus);
        stage.appendChild(choiceButtons(beat, askId, choose));
      } else {
        var end = debrief(play, "h" + (level + 1), uid, restart);
        stage.appendChild(end.node);
        focus = end.focus;
      }
      if (moveFocus) focus.focus();
    }

    function choose(index) {
      var choice = play.choose(index);
      showFeedback(feedback, firstSentence(choice.feedback),
                   scenario.showScores ? scoreText(scenario, choice.score) : null);
      draw(true);
    }

    function restart() {
      play.restart();
      showStatus(feedback, "");
      draw(true);
    }

    draw(false);
    return true;
  }

  function init() {
    var previews = document.querySelectorAll(".serve-roleplay-static:not(.serve-player)");
    for (var i = 0; i < previews.length; i++) mount(previews[i]);
  }

  engine.view = {
    element: el, header: header, feedbackRegion: feedbackRegion, showFeedback: showFeedback,
    showStatus: showStatus, prompt: prompt, choiceButtons: choiceButtons, debrief: debrief,
    profileChart: profileChart, mount: mount
  };
  window.ServeRoleplay = engine;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
