"""``negsim play``: a student takes one actor's decisions at the terminal.

==========================================  ==============================================
module                                      what it holds
==========================================  ==============================================
:mod:`~sim.cli.play.command`                the command: its options, the checks before
                                            the session, the end and the comparison
:mod:`~sim.cli.play.session`                the loop that answers the engine's decisions
:mod:`~sim.cli.play.turns`                  when the player decides, and who made each
                                            of the actor's choices
:mod:`~sim.cli.play.answers`                reading answers, a line of bounded length
:mod:`~sim.cli.play.screens`                the introduction and the views of a turn
:mod:`~sim.cli.play.ending`                 the end: what happened, and the comparison
:mod:`~sim.cli.play.text`                   wrapping to 80x30, names in sentences
:mod:`~sim.cli.play.recording`              the recording file (read, write, check)
:mod:`~sim.cli.play.options`                the played actor's numbered options
:mod:`~sim.cli.play.comparison`             the played outcome among simulated runs
==========================================  ==============================================

Every ``negsim`` command imports this package to register ``play``; only
:mod:`~sim.cli.play.command` is imported then. The rest needs the engine and
scipy and is imported when ``play`` runs.
"""

from sim.cli.play.command import register, run

__all__ = ["register", "run"]
