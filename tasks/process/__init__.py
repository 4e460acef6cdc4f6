"""Process logs.

Dated entries of a log note (log), `#process/<project>` daily notes (daily), Self → Us → Now
stories (story), and what every channel's story variant shares to tell one (telling).
"""
