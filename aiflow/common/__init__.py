"""Small helpers that workflow files import (as ``ai_flow.common``)."""
