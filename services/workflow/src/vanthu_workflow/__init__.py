"""VanThu workflow service: processing of incoming documents, tasks and inboxes."""
