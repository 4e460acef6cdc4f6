"""Process logs.

Dated entries of a log note (log), `#process/<project>` daily notes (daily), Self → Us → Now
stories (story).
"""
