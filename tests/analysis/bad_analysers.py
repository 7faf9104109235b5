"""Analysers that misbehave on purpose (importable by spawned worker processes)."""

import signal


def hang(text, language):
    while True:  # a pure-Python endless loop: the time box must interrupt it
        pass


def crash(text, language):
    raise RuntimeError("analyser exploded")


def hang_deaf(text, language):
    # Blocks SIGALRM, so only the pool's hard deadline (killing the worker) can end it.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        pass


def fine(text, language):
    return {"fine": True}
