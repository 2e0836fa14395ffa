/* The role-play app's first view (see servicecourse/roleplay/first_view.py).

   Voila shows a page's widgets only once its JupyterLab front end has loaded. This script shows
   the role-play the page asked for at once, from the data in the page: the picker, and the
   opening with its choices drawn by the course's one view of a role-play in a page
   (roleplay-player.js, window.ServeRoleplay.view: worded and built as the live widget). This
   file keeps only what is the first view's own: the picker and the hand-over. When the live
   widgets arrive (hidden behind the first view until then) it hands over: the role-play picked
   and the choice clicked meanwhile are replayed on the live widgets, then the first view goes
   and keyboard focus moves to the live controls. */
(function () {
  "use strict";

  const view = window.ServeRoleplay.view;
  const element = (tag, attributes, children) => view.element(tag, attributes, [].concat(children === undefined ? [] : children));

  function showPageNow() {
    // Voila keeps its spinner up until its front end has loaded; the first view needs neither.
    const spinner = document.getElementById("loading");
    if (spinner) spinner.remove();
    const cells = document.getElementById("rendered_cells");
    if (cells) cells.style.display = "";
  }

  window.courseFirstView = function (holder) {
    const data = JSON.parse(holder.querySelector(".course-first-view-data").textContent);
    const asked = data.parameter && new URLSearchParams(window.location.search).get(data.parameter);
    const known = asked && Object.prototype.hasOwnProperty.call(data.scenarios, asked);
    const state = { scenario: known ? asked : data.initial, choice: null, sent: null };
    const cell = holder.parentElement;

    const picker = element("select", { id: "course-first-view-picker" },
      data.options.map(([label, id]) => element("option", { value: id }, label)));
    picker.value = state.scenario;
    picker.addEventListener("change", () => {
      state.scenario = picker.value;  // (the picker is disabled once a choice is made)
      draw();
    });
    const stage = element("div", { class: "course-first-roleplay" });
    const feedback = view.feedbackRegion();
    holder.append(element("div", { class: "course-first-picker" },
      [element("label", { for: picker.id }, "Role-play"), picker]), stage);

    function draw() {
      // The live app's title is an h2 under its h1, its feedback above the beat: so here.
      const scenario = data.scenarios[state.scenario];
      const opening = { speaker: scenario.speaker, text: scenario.text,
                        choices: scenario.choices.map((text) => ({ text: text })) };
      const choices = view.choiceButtons(opening, "course-first-ask", choose);
      choices.querySelectorAll("button").forEach((button) => button.classList.add("course-first-choice"));
      view.showStatus(feedback, "");
      stage.replaceChildren(...view.header(scenario, "h2", "course-first-title"), feedback,
                            view.prompt(opening, "course-first-ask"), choices);
    }

    function choose(index, button) {
      // The first click counts (as in the live role-play); it is played when the app is live.
      if (state.choice !== null) return;
      state.choice = index;
      button.setAttribute("aria-pressed", "true");
      stage.querySelectorAll(".course-first-choice").forEach((b) => b.setAttribute("aria-disabled", "true"));
      picker.disabled = true;
      view.showStatus(feedback, "One moment: your choice is on its way.");
      setTimeout(() => {
        if (holder.isConnected) view.showStatus(feedback, "Still connecting to the course server. If nothing happens, reload the page.");
      }, 20000);
    }

    const observer = new MutationObserver(handOver);
    let lastFocused = null;
    const trackFocus = (event) => {
      lastFocused = holder.contains(event.target) ? event.target : null;
    };
    document.addEventListener("focusin", trackFocus);

    let deadline = null;

    function handOver() {
      const live = cell.querySelector(".serve-roleplay");
      if (!live || !live.querySelector("h2")) return;  // the live widgets are not drawn yet
      const livePicker = cell.querySelector(".widget-dropdown select");
      // Whatever happens to the replay, the live app is shown within 15 s of being drawn.
      deadline = deadline || setTimeout(() => holder.isConnected && finish(), 15000);
      if (!live.classList.contains(`serve-scenario-${state.scenario}`)) {
        // Ask the live picker for the role-play shown here; wait for the kernel to draw it.
        const index = data.options.findIndex(([, id]) => id === state.scenario);
        if (livePicker && livePicker.selectedIndex !== index) {
          livePicker.selectedIndex = index;
          livePicker.dispatchEvent(new Event("change", { bubbles: true }));
        }
        return;
      }
      if (state.choice !== null) {
        if (!state.sent) {
          const buttons = live.querySelectorAll("button.serve-choice");
          if (buttons.length <= state.choice) return;
          state.sent = buttons[state.choice];
          state.sent.click();
          return;
        }
        // Wait for the kernel's answer: the feedback shown and the next beat drawn.
        const answered = !state.sent.isConnected && live.querySelector(".serve-feedback")
          && live.querySelector("button.serve-choice, .serve-ending");
        if (!answered) return;
      }
      finish();
    }

    function finish() {
      clearTimeout(deadline);
      const live = cell.querySelector(".serve-roleplay");
      const livePicker = cell.querySelector(".widget-dropdown select");
      // Keyboard focus goes to the same control on the live page (after a replayed choice: the
      // next beat's first choice), not back to the top of the page.
      // (Voila moves the cells into its own layout once loaded, which takes the focus away
      // from the first view: the control last focused there counts if nothing else has it.)
      const active = document.activeElement;
      const focused = holder.contains(active) ? active
        : !active || active === document.body ? lastFocused : null;
      const liveChoices = live ? live.querySelectorAll("button.serve-choice") : [];
      const firstChoices = [...stage.querySelectorAll(".course-first-choice")];
      observer.disconnect();
      document.removeEventListener("focusin", trackFocus);
      holder.remove();
      if (!focused) return;
      const target = focused === picker ? livePicker
        : liveChoices[state.sent ? 0 : Math.max(firstChoices.indexOf(focused), 0)];
      if (target || livePicker) (target || livePicker).focus();
    }

    showPageNow();
    draw();
    observer.observe(cell, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
    handOver();
  };
})();
