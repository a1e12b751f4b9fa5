"""Child processes started by the tests."""

from __future__ import annotations

import signal


def sigint_as_on_a_terminal() -> None:
    """A Popen `preexec_fn`: the child gets SIGINT's default disposition back, so Python in it
    turns SIGINT into KeyboardInterrupt. A shell starts a background job (`bash scripts/test &`,
    some CI runners) with SIGINT ignored, children inherit that, and Python then keeps ignoring
    it, as it should: the tests that send SIGINT must not depend on how the suite was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
