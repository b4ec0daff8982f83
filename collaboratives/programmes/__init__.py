"""Learning collaboratives: charter, faculty, timeline, enrolled teams and their members."""
