"""Who is acting: staff users and roles, member one-time codes and sessions."""
