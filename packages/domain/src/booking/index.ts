export * from './bookingCalendar';
export * from './bookingExtension';
export * from './bookingRules';
export * from './bookingStateMachine';
