"""The service-culture course: scenarios, role-play engine and widget, grading and reports."""
