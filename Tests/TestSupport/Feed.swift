// Placeholder: the shared "feed it whole / byte by byte / glued" helper lands here.
