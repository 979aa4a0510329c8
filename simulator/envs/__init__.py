"""The two simulators as Gymnasium environments, registered when `simulator` is imported.

    import gymnasium
    import simulator  # registers bcloning/BuiltinTrack-v0 and bcloning/Replay-v0
    env = gymnasium.make("bcloning/Replay-v0", recording="data/lap1")

`gymnasium.make("simulator:bcloning/Replay-v0", ...)` imports the package itself.
Both environments step the same closed loop as `bcloning simulate drive` and
`bcloning simulate replay` (`simulator.autonomous.TrackRun`,
`simulator.replay.loop.ReplayStepper`); see `simulator.envs.common` for the
spaces and the reward. Registering is cheap: the environment classes are
imported by `gymnasium.make`, not here.
"""

from __future__ import annotations

from gymnasium.envs.registration import register, registry

__all__ = ["BUILTIN_TRACK_ID", "REPLAY_ID"]

BUILTIN_TRACK_ID = "bcloning/BuiltinTrack-v0"
REPLAY_ID = "bcloning/Replay-v0"

for _id, _entry_point in (
    (BUILTIN_TRACK_ID, "simulator.envs.track:BuiltinTrackEnv"),
    (REPLAY_ID, "simulator.envs.replay:ReplayEnv"),
):
    if _id not in registry:  # a reload of the package registers nothing twice
        register(id=_id, entry_point=_entry_point)
