/* The role-play app's first view (see servicecourse/roleplay/first_view.py).

   Voila shows a page's widgets only once its JupyterLab front end has loaded. This script draws
   the role-play the page asked for at once, from the data in the page: the picker and the
   opening with its choices. When the live widgets arrive (hidden behind the first view until
   then) it hands over: the role-play picked and the choice clicked meanwhile are replayed on the
   live widgets, then the first view goes and keyboard focus moves to the live controls. */
(function () {
  "use strict";

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes).forEach(([name, value]) => node.setAttribute(name, value));
    [].concat(children === undefined ? [] : children).forEach((child) => node.append(child));
    return node;
  }

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
    holder.append(element("div", { class: "course-first-picker" },
      [element("label", { for: picker.id }, "Role-play"), picker]), stage);

    function draw() {
      const scenario = data.scenarios[state.scenario];
      const choices = scenario.choices.map((text, index) => {
        const button = element("button", { type: "button", class: "course-first-choice" }, text);
        button.addEventListener("click", () => choose(index, button));
        return button;
      });
      stage.replaceChildren(
        element("h2", {}, scenario.title),
        element("p", {}, [element("em", {}, `You are: ${scenario.role}.`), ` ${scenario.setting}`]),
        element("div", { class: "course-first-speaker" }, scenario.speaker),
        element("p", {}, scenario.text),
        element("p", {}, element("strong", {}, "What do you do?")),
        element("div", { class: "course-first-choices" }, choices),
        element("p", { class: "course-first-status", role: "status" }));
    }

    function choose(index, button) {
      // The first click counts (as in the live role-play); it is played when the app is live.
      if (state.choice !== null) return;
      state.choice = index;
      button.setAttribute("aria-pressed", "true");
      stage.querySelectorAll(".course-first-choice").forEach((b) => b.setAttribute("aria-disabled", "true"));
      picker.disabled = true;
      const status = stage.querySelector(".course-first-status");
      status.textContent = "One moment: your choice is on its way.";
      setTimeout(() => {
        if (holder.isConnected) status.textContent = "Still connecting to the course server. If nothing happens, reload the page.";
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
