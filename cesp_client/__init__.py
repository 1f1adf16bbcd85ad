"""The client without Textual: local draft store, sync engine, platform API, session,
credentials, configuration, keying, exports, the embedded platform and the workspace.

`cesp_tui` is a thin Textual shell over this package; nothing here imports Textual
(tests/tui/test_client_is_pure.py checks it).
"""
