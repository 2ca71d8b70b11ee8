// Small inline icons for the workspace. SVG rather than emoji: emoji depend on the system's
// fonts (a bare Linux desktop or a kiosk shows empty boxes) and render differently everywhere.
export function BellIcon() {
  return (
    <svg class="icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M8 16a2 2 0 0 0 1.98-1.75H6.02A2 2 0 0 0 8 16ZM8 1.5A4.5 4.5 0 0 0 3.5 6v2.8L2.2 11.4a.75.75 0 0 0 .67 1.1h10.26a.75.75 0 0 0 .67-1.1L12.5 8.8V6A4.5 4.5 0 0 0 8 1.5Z" />
    </svg>
  )
}

export function BotIcon() {
  return (
    <svg class="icon" width="13" height="13" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M7.25 1h1.5v2H12a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h3.25V1ZM5.5 7a1 1 0 1 0 0 2 1 1 0 0 0 0-2Zm5 0a1 1 0 1 0 0 2 1 1 0 0 0 0-2ZM0 7h1v3H0V7Zm15 0h1v3h-1V7Zm-9.5 7.5h5V16h-5v-1.5Z" />
    </svg>
  )
}

export function PhotoIcon() {
  return (
    <svg class="icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M2 2.5A1.5 1.5 0 0 0 .5 4v8A1.5 1.5 0 0 0 2 13.5h12a1.5 1.5 0 0 0 1.5-1.5V4A1.5 1.5 0 0 0 14 2.5H2ZM2 4h12v6.2l-3.2-3.2a.75.75 0 0 0-1.06 0L6.5 10.24 5.26 9a.75.75 0 0 0-1.06 0L2 11.2V4Zm3.5 1a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5Z" />
    </svg>
  )
}
