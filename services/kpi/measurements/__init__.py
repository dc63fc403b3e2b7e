"""Values supplied from elsewhere (social media, the 2-minute survey, beat pages, duty system)."""
