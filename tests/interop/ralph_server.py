"""Start Ralph's LRS API with its file backend in append mode (run with ``.venv-lrs``'s Python).

Ralph's file backend opens its statements file in "create" mode, so a second request that
stores statements fails; its own "append" mode (the same backend, appending to the file) lets
the store take statements request after request. Nothing else about Ralph changes: its HTTP
API, authentication and statement validation are what the tests talk to.

Usage: python ralph_server.py HOST PORT
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host=sys.argv[1], port=int(sys.argv[2]), log_level="info")
