"""A learning collaborative's members' discussion area: threads, posts, subscriptions."""
