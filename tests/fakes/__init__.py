"""Local stand-ins for model endpoints, for tests: an OpenAI-compatible server and a bedrock-runtime server.

Both bind 127.0.0.1 on a free port, run in a background thread and are context managers; see each
module's docstring for its settings.
"""
