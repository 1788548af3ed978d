# Reporting, review and their state machines arrive with the workflow issue.
