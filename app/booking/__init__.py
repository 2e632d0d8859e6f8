"""Live mock interviews with a mentor: availability slots and bookings (issue 20)."""
