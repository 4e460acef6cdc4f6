"""Korean text analysis: one Kiwi analyser per process and a memo of its analyses (morph), helpers over it (korean)."""
