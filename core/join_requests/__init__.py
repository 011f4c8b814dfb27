"""Join requests: people who are not members yet ask to join a group; staff review them."""
