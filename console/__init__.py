"""The moderators' web console, a sub-application mounted at `/console` (see `create_console`)."""

from console.app import create_console

__all__ = ["create_console"]
