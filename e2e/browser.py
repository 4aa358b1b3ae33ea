"""What the browser scenarios wait for and measure on a page, shared by ``test_e2e_web*.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # playwright is imported by the tests once they know the browser is there
    from playwright.sync_api import Page

#: How many animation frames :func:`settle` lets pass before it looks: rc-motion (Ant Design's popups, dialogs, lists)
#: moves a motion on by one step every two frames (useNextFrame), and its animation runs only from the step that
#: names it (``…-leave-active``): a popup just told to close is still shown, with no animation yet, for some frames.
MOTION_FRAMES = 5
#: The longest settle() waits for those frames.
MOTION_WAIT_MS = 500


def settle(page: Page) -> None:
    """Wait until Ant Design's animations (a dialog zooming in, a list closing) are over, those about to start too."""
    # at most MOTION_WAIT_MS: a page that draws no frame for a while (one run's, just after set_viewport_size) is not
    # waited for for ever (evaluate has no timeout); its motions wait for frames too
    page.evaluate("([n, ms]) => new Promise(done => { setTimeout(done, ms); "
                  "const frame = (i) => i ? requestAnimationFrame(() => frame(i - 1)) : done(); frame(n); })",
                  [MOTION_FRAMES, MOTION_WAIT_MS])
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')")


def fits(page: Page, width: int) -> None:
    """No sideways scrolling at ``width`` px once the page is still; else name the elements that stick out."""
    page.wait_for_load_state("networkidle")
    settle(page)
    wide = page.evaluate("""(w) => document.documentElement.scrollWidth <= w ? [] :
        Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > w)
            .slice(-5).map(e => e.tagName + '.' + String(e.className).slice(0, 60))""", width)
    assert wide == [], f"wider than {width} px: {wide}"
