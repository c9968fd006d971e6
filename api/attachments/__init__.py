"""Attachments of applications: upload, list, download, delete."""
