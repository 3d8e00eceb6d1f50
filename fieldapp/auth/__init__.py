"""Who is calling, what their role lets them do, and where."""
