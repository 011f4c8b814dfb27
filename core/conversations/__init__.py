"""Conversations with members: channel-neutral state, the transcript, and hand-offs to support agents."""
