# The outbox and in-app notifications arrive with the reminders issue.
