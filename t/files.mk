# Directories, skills, files and upload tests (issue: utility endpoints).
