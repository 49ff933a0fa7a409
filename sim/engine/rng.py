"""Random streams for one run: keyed, counter-based and cheap.

Run ``i`` of master seed ``S`` takes the ``i``-th child of
``numpy.random.SeedSequence(S)`` (``SeedSequence(S, spawn_key=(i,))``, which
is what ``SeedSequence(S).spawn(n)[i]`` returns). That child gives the key of
one counter-based :class:`numpy.random.Philox` generator. Each stream of the
run — one per actor and purpose, one for the world — is a separate region of
Philox's 256-bit counter: the upper two counter words hold the stream's id (a
stable hash of the actor's name) and its purpose, the lower word the position.

So the ``k``-th draw of a stream is a fixed function of (seed, run, actor,
purpose, ``k``): adding, removing or changing one actor leaves every other
actor's draws unchanged (common random numbers), and there is no need to build
a generator per actor, which costs tens of microseconds each.
"""

from __future__ import annotations

import hashlib
from enum import IntEnum

import numpy as np

__all__ = ["BLOCK", "Purpose", "Streams", "Uniforms", "run_seed_sequence", "stream_id"]

#: Uniforms drawn per refill of a stream: a multiple of 4 (Philox gives 4 words per
#: counter step) and of 3 (draws per decision).
BLOCK = 96

_SHIFT = np.uint64(11)
_SCALE = 1.0 / 9007199254740992.0  # 2**-53


class Purpose(IntEnum):
    """What a stream's draws are used for; each purpose is a separate stream."""

    DECISIONS = 0
    """An actor's decisions: three draws per decision (wait, choice, outcome)."""
    REACTIONS = 1
    """An actor's reactions: three draws per message it is sent (delay, fire, outcome)."""
    CONVENING = 2
    """Lead times, on the world's stream: one draw per announcement."""
    WORLD = 3
    """The world's weekly noise: two draws per tick (violence, balance)."""
    RECORD = 4
    """The outcome of a dated event that is an attempt rather than a fact: one draw, from a
    stream keyed by the event's id."""


def stream_id(name: str) -> int:
    """A stable 64-bit id for a stream name (an actor id), independent of Python's hash seed."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def run_seed_sequence(seed: int, run: int) -> np.random.SeedSequence:
    """The seed sequence of run ``run`` under master seed ``seed``: its ``run``-th child."""
    return np.random.SeedSequence(seed, spawn_key=(run,))


class Streams:
    """The random streams of one run.

    Parameters
    ----------
    seed
        The master seed (a non-negative integer).
    run
        The run's index.
    """

    __slots__ = ("_bitgen", "_state")

    def __init__(self, seed: int, run: int) -> None:
        key = run_seed_sequence(seed, run).generate_state(2, np.uint64)
        self._bitgen = np.random.Philox(key=key)
        self._state = self._bitgen.state

    def block(self, stream: int, purpose: int, index: int) -> list[float]:
        """The ``index``-th block of :data:`BLOCK` uniforms of a stream, in (0, 1).

        Each uniform is ``(x + 0.5) / 2**53`` for the top 53 bits ``x`` of a
        64-bit Philox output, so it is never exactly 0 or 1.
        """
        state = self._state
        state["state"]["counter"] = np.array(
            [index * (BLOCK // 4), 0, stream, purpose], dtype=np.uint64
        )
        state["buffer_pos"] = 4
        self._bitgen.state = state
        raw = self._bitgen.random_raw(BLOCK) >> _SHIFT
        return ((raw + 0.5) * _SCALE).tolist()  # type: ignore[no-any-return]


class Uniforms:
    """One stream of uniforms in (0, 1), drawn in blocks.

    Call :meth:`next` for each draw; the ``k``-th call always returns the
    stream's ``k``-th uniform.
    """

    __slots__ = ("_block", "_buffer", "_pos", "_purpose", "_stream", "_streams")

    def __init__(self, streams: Streams, stream: int, purpose: int) -> None:
        self._streams = streams
        self._stream = stream
        self._purpose = purpose
        self._block = 0
        self._buffer: list[float] = []
        self._pos = 0

    def next(self) -> float:
        """The next uniform of the stream."""
        if self._pos == len(self._buffer):
            self._buffer = self._streams.block(self._stream, self._purpose, self._block)
            self._block += 1
            self._pos = 0
        u = self._buffer[self._pos]
        self._pos += 1
        return u
