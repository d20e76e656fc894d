import { useT } from "~/i18n/use-t";

export function GoalBar({ count, goal }: { count: number; goal: number }) {
  const t = useT();
  const percent = goal > 0 ? Math.min(100, Math.floor((count / goal) * 100)) : 0;
  return (
    <div className="goal">
      <p className="goal-count">
        <strong>{t("petition.signaturesOfGoal", { count, goal })}</strong>
      </p>
      <div
        className="goal-bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={goal}
        aria-valuenow={Math.min(count, goal)}
        aria-label={t("petition.goalBar", { percent, goal })}
      >
        <div className="goal-bar-fill" style={{ width: `${percent}%` }} />
      </div>
    </div>
  );
}
