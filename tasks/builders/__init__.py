"""Binary and HTML builders the channels call: carousel PNGs, the PPTX deck, the e-mail message, the HTML sanitizer."""
