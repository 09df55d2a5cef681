# Models arrive with this app's issue; see ../shared/architecture.md for its room.
