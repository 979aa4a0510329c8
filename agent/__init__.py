"""The drive server: the Udacity simulator's car steered live by a trained model."""

from agent.config import ControllerConfig, RunRecordingConfig, ServerConfig
from agent.controller import PIController
from agent.driver import Command, Driver
from agent.recording import RecordingFolderError, RunRecorder
from agent.server import DriveServer, create_app

__all__ = [
    "Command",
    "ControllerConfig",
    "DriveServer",
    "Driver",
    "PIController",
    "RunRecordingConfig",
    "RecordingFolderError",
    "RunRecorder",
    "ServerConfig",
    "create_app",
]
